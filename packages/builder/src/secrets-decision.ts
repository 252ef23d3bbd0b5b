import type { Build } from "@slipway/db";

/** Whether a build gets the secrets its .slipway.yml asks for, and if not, why (for its log). */
export type SecretsDecision = { allow: true } | { allow: false; reason: string };

/**
 * The one place that decides whether a build may use build secrets. Pushes and pull requests
 * from the repository's own branches may: their authors can push to the repository, so they
 * are trusted with its secrets. A pull request from a fork may not: its Dockerfile and
 * .slipway.yml are the fork author's (on a public repository, anyone's). It runs without them
 * and its log says so (`loadBuildSecrets`), as CI systems do with forks.
 */
export function secretsDecision(build: Pick<Build, "fromFork" | "pullRequest">): SecretsDecision {
  if (build.fromFork) return { allow: false, reason: `pull request #${build.pullRequest} is from a fork: forks never get secrets` };
  return { allow: true };
}
