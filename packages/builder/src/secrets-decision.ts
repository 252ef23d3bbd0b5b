import type { Build } from "@slipway/db";

/** Whether a build gets the secrets its .slipway.yml asks for, and if not, why (for its log). */
export type SecretsDecision = { allow: true } | { allow: false; reason: string };

/**
 * The one place that decides whether a build may use build secrets. Every build may for now:
 * all builds come from pushes to the repository itself, whose pushers are trusted with its
 * secrets. Builds of code from outside the repository (pull requests from forks) must get
 * `{ allow: false, reason }` here: the build then runs without them and its log says why.
 */
export function secretsDecision(_build: Pick<Build, "trigger">): SecretsDecision {
  return { allow: true };
}
