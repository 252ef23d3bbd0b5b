import type { TRepositoryReach } from "./api-tokens";

/**
 * True when a repository ("owner/name") is within reach: null reaches everything; "owner/*"
 * every repository of that owner; "owner/repo" that one. Case-insensitive, as GitHub is.
 * The one implementation of the rule: queries filter repositories with it in JS rather than
 * in SQL (see @slipway/builds findReachableRepositoryIds); the worker checks build secrets with it too.
 */
export function matchRepository(reach: TRepositoryReach, fullName: string): boolean {
  if (reach === null) return true;
  const name = fullName.toLowerCase();
  const owner = name.slice(0, name.indexOf("/") + 1);
  return reach.some((p) => {
    const pattern = p.toLowerCase();
    return pattern.endsWith("/*") ? owner !== "" && pattern.slice(0, -1) === owner : pattern === name;
  });
}
