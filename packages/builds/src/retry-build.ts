import { AppError, githubReportMessage, OUTBOX_BUILD_ENQUEUE, type TBuild, type TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";

/**
 * Queues a new attempt of a failed or cancelled build: same build, same commit, attempt + 1.
 * Earlier attempts keep their steps, logs and outcome (BuildAttempt rows). 409 otherwise.
 * With `reportToGithub`, the GitHub reporter hears of it in the same transaction (the build's
 * check run goes back to queued). @defaultValue reportToGithub false
 */
export async function retryBuild(db: Db, id: string, reach: TRepositoryReach, opts: { reportToGithub?: boolean } = {}): Promise<TBuild> {
  const current = await getBuild(db, id, reach);
  if (current.status !== "failed" && current.status !== "cancelled") {
    throw new AppError("conflict", `build ${id} is ${current.status}; only failed or cancelled builds can be retried`);
  }
  const attempt = current.attempt + 1;
  await db.$transaction(async (tx) => {
    const moved = await tx.build.updateMany({
      where: { id, attempt: current.attempt, status: { in: ["failed", "cancelled"] } },
      data: {
        attempt,
        status: "queued",
        queuedAt: new Date(),
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        workerId: null,
        host: null,
        imageRef: null,
        imagePrunedAt: null,
        coalescedFromId: null,
        digest: null,
        cachedSteps: null,
        totalSteps: null,
        errorClass: null,
        errorMessage: null,
      },
    });
    if (moved.count === 0) throw new AppError("conflict", `build ${id} changed while retrying; try again`);
    await tx.buildAttempt.create({ data: { buildId: id, attempt, trigger: "retry" } });
    await tx.outboxMessage.create({ data: { topic: OUTBOX_BUILD_ENQUEUE, payload: { buildId: id, attempt } } });
    if (opts.reportToGithub) await tx.outboxMessage.create({ data: githubReportMessage(id, attempt, "queued") });
  });
  return getBuild(db, id, reach);
}
