import { AppError, githubReportMessage, type TBuild, type TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";

/**
 * Marks a queued or running build cancelled (a cancel is not a failure). The caller then
 * announces it on the cancel channel so the worker running it kills its buildx process group;
 * a worker that picks up a cancelled build skips it. 409 when the build already ended.
 * With `reportToGithub`, the GitHub reporter hears of it in the same transaction.
 * @defaultValue reportToGithub false
 */
export async function cancelBuild(db: Db, id: string, reach: TRepositoryReach, opts: { reportToGithub?: boolean } = {}): Promise<TBuild> {
  const current = await getBuild(db, id, reach);
  if (current.status !== "queued" && current.status !== "running") {
    throw new AppError("conflict", `build ${id} is ${current.status}; only queued or running builds can be cancelled`);
  }
  const now = new Date();
  await db.$transaction(async (tx) => {
    const moved = await tx.build.updateMany({
      where: { id, attempt: current.attempt, status: { in: ["queued", "running"] } },
      data: { status: "cancelled", finishedAt: now, errorClass: null, errorMessage: null },
    });
    if (moved.count === 0) throw new AppError("conflict", `build ${id} ended while cancelling`);
    await tx.buildAttempt.updateMany({ where: { buildId: id, attempt: current.attempt }, data: { status: "cancelled", finishedAt: now } });
    if (opts.reportToGithub) await tx.outboxMessage.create({ data: githubReportMessage(id, current.attempt, "cancelled") });
  });
  return getBuild(db, id, reach);
}
