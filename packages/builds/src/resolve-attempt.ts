import { AppError } from "@slipway/contracts";

/** The attempt a request asks for (default: the latest), checked against the build's attempts. */
export function resolveAttempt(latest: number, requested: number | undefined): number {
  const n = requested ?? latest;
  if (!Number.isInteger(n) || n < 1 || n > latest) throw new AppError("bad_request", `attempt must be 1..${latest}`);
  return n;
}
