import { CANCEL_CHANNEL } from "@slipway/contracts";
import type { FastifyBaseLogger } from "fastify";
import type { ApiDeps } from "../deps";

export interface CancelledBuild {
  buildId: string;
  repository: string;
  attempt: number;
  durationMs?: number | null;
  cachedSteps?: number | null;
  totalSteps?: number | null;
  /** why, when it was not a person's cancel (e.g. superseded by build X) */
  reason?: string | null;
}

/**
 * After a cancel is committed: tell the worker running it (the cancel channel) and the event
 * stream. Best effort: a worker that misses the message still cannot overwrite the cancel.
 */
export async function announceCancel(deps: ApiDeps, log: FastifyBaseLogger, b: CancelledBuild): Promise<void> {
  deps.events?.emit({
    type: "build.finished",
    buildId: b.buildId,
    repository: b.repository,
    attempt: b.attempt,
    status: "cancelled",
    durationMs: b.durationMs ?? null,
    cachedSteps: b.cachedSteps ?? null,
    totalSteps: b.totalSteps ?? null,
    error: b.reason ?? null,
  });
  await deps.redis
    .publish(CANCEL_CHANNEL, b.buildId)
    .catch((err: unknown) => log.warn({ err: (err as Error).message, buildId: b.buildId }, "cancel announcement failed"));
}
