import { githubReportMessage, OUTBOX_PUBLISH_ENQUEUE } from "@slipway/contracts";
import { whileDatabaseDown, type Build, type Db, type Prisma } from "@slipway/db";
import type { Logger } from "pino";
import type { TBuildConfig } from "./build-config";
import type { BuildLogSink } from "@slipway/build-log";
import { InfrastructureFailure, type UserFailure } from "./failures";
import type { StepRecord } from "./step-tracker";

type Counts = { cached: number; total: number };

export type AttemptOutcome =
  | {
      kind: "succeeded";
      digest: string;
      imageRef: string;
      steps: StepRecord[];
      counts: Counts;
      config: TBuildConfig;
      /** the earlier build whose image this one reused (no BuildKit run) */
      coalescedFrom?: string;
    }
  | { kind: "failed"; failure: UserFailure | InfrastructureFailure; steps?: StepRecord[]; counts?: Counts; retrying?: boolean }
  | { kind: "cancelled"; message: string; steps?: StepRecord[]; counts?: Counts }
  /** the worker stopped mid-build: back to the queue, not counted as a failure */
  | { kind: "interrupted"; message: string }
  | { kind: "skipped" }
  /** another try took the build over (this worker lost its job's lock): nothing was recorded */
  | { kind: "displaced" };

interface RecordInput {
  db: Db;
  sink: BuildLogSink;
  log: Logger;
  build: Build;
  job: { buildId: string; attempt: number; finalTry: boolean };
  /** the fence this try set on the build as it started (Build.runId) */
  runId: string;
  workerId: string;
  startedAt: Date;
  outcome: AttemptOutcome;
  /** announce an ended build to the GitHub reporter (outbox row in the same transaction) */
  reportToGithub: boolean;
  /** aborts when the worker shuts down: stop waiting for PostgreSQL (the job goes back to the queue) */
  shutdown?: AbortSignal;
}

/**
 * Writes the end of a try: steps, the log's last lines, and the Build + BuildAttempt rows (and,
 * on success, the publish outbox row) in one transaction. Only a build still `running` this
 * attempt is updated: a cancel that landed meanwhile wins. Only the try that runs the build now
 * (Build.runId) writes anything: a worker whose job was taken over by another (its lock lost
 * while it was stalled) records nothing and says so.
 */
export async function recordOutcome(i: RecordInput): Promise<AttemptOutcome> {
  const { db, sink, build, job, outcome } = i;
  if (outcome.kind === "skipped" || outcome.kind === "displaced") return outcome;
  // PostgreSQL restarting must not cost the build: the writes below wait for it a while.
  const waitDb = <T>(fn: () => Promise<T>) =>
    whileDatabaseDown(fn, {
      forMs: DB_WAIT_MS,
      ...(i.shutdown ? { signal: i.shutdown } : {}),
      onWait: (err, waitedMs) =>
        i.log.warn({ err: (err as Error).message, waitedMs }, "PostgreSQL unreachable; waiting to record the build"),
    });
  if (await waitDb(() => displaced(db, i))) {
    sink.note(`slipway: worker ${i.workerId} lost this build to another try (its job's lock expired); this try records nothing`);
    await sink.close().catch(() => {});
    return displacedTry(i);
  }
  const finishedAt = new Date();
  const durationMs = finishedAt.getTime() - i.startedAt.getTime();
  const secs = (durationMs / 1000).toFixed(1);
  const counts = "counts" in outcome ? outcome.counts : undefined;
  const retrying = outcome.kind === "failed" && outcome.failure instanceof InfrastructureFailure && !job.finalTry;

  if (outcome.kind === "succeeded") {
    sink.note(
      `slipway: build succeeded in ${secs}s: ${outcome.imageRef}@${outcome.digest} (${outcome.counts.cached}/${outcome.counts.total} steps cached)`,
    );
  } else if (outcome.kind === "cancelled") {
    sink.note(`slipway: build ${outcome.message} after ${secs}s`);
  } else if (outcome.kind === "interrupted") {
    sink.note(`slipway: ${outcome.message} after ${secs}s; the build goes back to the queue`);
  } else {
    const cls = outcome.failure instanceof InfrastructureFailure ? "infrastructure" : "user";
    sink.note(`slipway: build failed (${cls} failure) after ${secs}s: ${outcome.failure.message}`);
    if (retrying) sink.note("slipway: infrastructure failures are retried; this attempt will run again");
  }
  await sink.close().catch((err: unknown) => {
    throw new InfrastructureFailure(`could not store the build log: ${(err as Error).message}`);
  });

  const status =
    outcome.kind === "succeeded"
      ? "succeeded"
      : outcome.kind === "cancelled"
        ? "cancelled"
        : outcome.kind === "interrupted" || retrying
          ? "queued"
          : "failed";
  const error =
    outcome.kind === "failed"
      ? {
          errorClass: outcome.failure instanceof InfrastructureFailure ? ("infrastructure" as const) : ("user" as const),
          errorMessage: outcome.failure.message,
        }
      : { errorClass: null, errorMessage: outcome.kind === "interrupted" ? outcome.message : null };
  const result = outcome.kind === "succeeded" ? { digest: outcome.digest, imageRef: outcome.imageRef } : {};
  const stats = counts ? { cachedSteps: counts.cached, totalSteps: counts.total } : {};
  const timing = retrying || outcome.kind === "interrupted" ? {} : { finishedAt, durationMs };

  const recorded = await waitDb(() =>
    db.$transaction(async (tx) => {
      const updated = await tx.build.updateMany({
        where: { id: build.id, attempt: job.attempt, status: "running", runId: i.runId },
        data: {
          status,
          ...error,
          ...result,
          ...stats,
          ...timing,
          ...(outcome.kind === "succeeded" ? { coalescedFromId: outcome.coalescedFrom ?? null } : {}),
        },
      });
      if (!updated.count) {
        const now = await tx.build.findUnique({ where: { id: build.id }, select: { attempt: true, runId: true, status: true } });
        // Taken over between the check above and this transaction (another try, or the
        // reconciler, which clears runId): nothing is written.
        if (now && now.attempt === job.attempt && now.runId !== i.runId) return false;
        // Recorded already: a commit that landed as the connection broke, tried again.
        if (now?.status === status) return true;
        // Anything but a cancel (or a newer attempt, which cancelled this one) is not this try's to answer.
        if (now && now.status !== "cancelled" && now.attempt === job.attempt) return true;
      }
      await tx.buildStep.deleteMany({ where: { buildId: build.id, attempt: job.attempt } });
      const steps = "steps" in outcome ? outcome.steps : undefined;
      if (steps?.length) {
        await tx.buildStep.createMany({
          data: steps.map((s) => ({
            buildId: build.id,
            attempt: job.attempt,
            index: s.index,
            vertexDigest: s.vertexDigest,
            name: s.name,
            startedAt: s.startedAt,
            completedAt: s.completedAt,
            cached: s.cached,
            error: s.error,
            rebuildReason: s.rebuildReason ?? null,
          })),
          skipDuplicates: true,
        });
      }
      await tx.buildAttempt.update({
        where: { buildId_attempt: { buildId: build.id, attempt: job.attempt } },
        data: {
          status: updated.count ? status : "cancelled",
          ...error,
          ...result,
          ...stats,
          ...timing,
          ...(outcome.kind === "succeeded" ? { config: outcome.config as unknown as Prisma.InputJsonObject } : {}),
        },
      });
      if (updated.count && outcome.kind === "succeeded" && outcome.config.publish.length) {
        await tx.outboxMessage.create({ data: { topic: OUTBOX_PUBLISH_ENQUEUE, payload: { buildId: build.id, attempt: job.attempt } } });
      }
      // Ended for good (not queued again for a retry or after a shutdown): tell GitHub.
      if (updated.count && i.reportToGithub && status !== "queued") {
        await tx.outboxMessage.create({ data: githubReportMessage(build.id, job.attempt, "finished") });
      }
      return true;
    }),
  );
  if (!recorded) return displacedTry(i);
  i.log.info(
    { status, durationMs, digest: outcome.kind === "succeeded" ? outcome.digest : undefined, error: error.errorMessage },
    "build try finished",
  );
  return outcome.kind === "failed" ? { ...outcome, retrying } : outcome;
}

type Tx = Pick<Db, "build">;

/** How long a finished try waits for PostgreSQL to record its outcome before it gives up (and is retried). */
const DB_WAIT_MS = 120_000;

/** Another try runs this attempt now (its claim replaced this try's runId). */
async function displaced(db: Tx, i: RecordInput): Promise<boolean> {
  const now = await db.build.findUnique({ where: { id: i.build.id }, select: { attempt: true, runId: true } });
  return now !== null && now.attempt === i.job.attempt && now.runId !== i.runId;
}

function displacedTry(i: RecordInput): AttemptOutcome {
  i.log.warn({ outcome: i.outcome.kind }, "another worker took this build over; this try records nothing");
  return { kind: "displaced" };
}
