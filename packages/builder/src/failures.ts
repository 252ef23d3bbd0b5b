/**
 * Failure classes. A user failure (the repository's Dockerfile or config is wrong) fails the
 * build at once and is never retried; an infrastructure failure (daemon, registry, git server)
 * is retried with backoff; a cancel is neither.
 */
export class UserFailure extends Error {
  override readonly name = "UserFailure";
}

export class InfrastructureFailure extends Error {
  override readonly name = "InfrastructureFailure";
}

export class BuildCancelled extends Error {
  override readonly name = "BuildCancelled";
  constructor(readonly reason: "cancelled" | "timeout", message: string) {
    super(message);
  }
}
