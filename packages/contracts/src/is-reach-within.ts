import type { TRepositoryReach } from "./api-tokens";
import { matchRepository } from "./match-repository";

/**
 * True when every repository `inner` reaches is also reached by `outer`, so a token limited
 * to `outer` may hand `inner` on (or manage a token limited to it). "owner/*" is within
 * "owner/*" only; "owner/repo" within any pattern that matches it; null (everything) only
 * within null.
 */
export function isReachWithin(inner: TRepositoryReach, outer: TRepositoryReach): boolean {
  if (outer === null) return true;
  if (inner === null || inner.length === 0) return false;
  const outerLower = outer.map((p) => p.toLowerCase());
  return inner.every((p) => {
    const pattern = p.toLowerCase();
    return pattern.endsWith("/*") ? outerLower.includes(pattern) : matchRepository(outerLower, pattern);
  });
}
