/**
 * Failure classes. A user failure (the repository's Dockerfile or config is wrong) fails the
 * build at once and is never retried; an infrastructure failure (daemon, registry, git server)
 * is retried with backoff; a cancel is neither (an outcome of its own, see execute-build).
 */
export class UserFailure extends Error {
  override readonly name = "UserFailure";
}

export class InfrastructureFailure extends Error {
  override readonly name = "InfrastructureFailure";
}

/** The failure of a build stopped by its timeout (the user's build ran too long). */
export function timeoutFailure(timeoutMs: number): UserFailure {
  const limit = timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} min` : `${Math.round(timeoutMs / 1000)} s`;
  return new UserFailure(`build exceeded the timeout of ${limit} and was stopped`);
}
