import { githubReportMessage, OUTBOX_BUILD_ENQUEUE } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { BUILD_JOB, type Producers } from "@slipway/queue";
import type { Logger } from "pino";
import { LIVE_JOB_STATES } from "./live-job-states";

export interface ReconcileDeps {
  db: Db;
  producers: Pick<Producers, "build" | "publish">;
  logger: Logger;
  /** GitHub is configured: a build failed here is reported like any other */
  reportToGithub?: boolean;
}

export interface ReconcileOptions {
  /** how long a build or publish stays in its state before it is looked at, ms (the outbox relay and workers get there first) @defaultValue 30000 */
  graceMs?: number;
  /** rows looked at per pass @defaultValue 500 */
  limit?: number;
}

export interface BuildsReconciled {
  requeued: number;
  failed: number;
}

const LIVE = new Set<string>(LIVE_JOB_STATES);

/**
 * Builds PostgreSQL says are queued or running that the build queue has no live job for:
 * - queued, no job at all (lost in Redis: its AOF window, a wipe, eviction) or a job that
 *   completed without recording: enqueued again (job ids are deterministic, so this is safe
 *   to repeat);
 * - running, its job waiting or delayed (the worker died; BullMQ put the job back): queued
 *   again, as the build really is; its job missing: queued and enqueued again;
 * - queued or running with a job that failed for good (its last try never got to record an
 *   outcome, e.g. stalled too often, or PostgreSQL was down when it tried): failed, with the
 *   job's reason.
 * Every write is conditional on the row still being as read (status, attempt, and for running
 * builds the try that ran it), so a worker that moves on meanwhile wins.
 */
export async function reconcileBuilds(deps: ReconcileDeps, opts: ReconcileOptions = {}): Promise<BuildsReconciled> {
  const { db, producers, logger } = deps;
  const graceMs = opts.graceMs ?? 30_000;
  const limit = opts.limit ?? 500;
  // Random order: a backlog larger than one pass is covered over the next passes.
  const rows = await db.$queryRaw<{ id: string; attempt: number; status: "queued" | "running"; run_id: string | null }[]>`
    SELECT b.id, b.attempt, b.status, b.run_id FROM builds b
    WHERE ((b.status = 'queued' AND b.updated_at < now() - ${graceMs} * interval '1 millisecond')
        OR (b.status = 'running' AND b.started_at < now() - ${graceMs} * interval '1 millisecond'))
      AND NOT EXISTS (SELECT 1 FROM outbox_messages o
        WHERE o.dispatched_at IS NULL AND o.topic = ${OUTBOX_BUILD_ENQUEUE} AND o.payload->>'buildId' = b.id::text)
    ORDER BY random() LIMIT ${limit}`;
  const out: BuildsReconciled = { requeued: 0, failed: 0 };
  for (const b of rows) {
    const jobId = BUILD_JOB.jobId({ buildId: b.id, attempt: b.attempt });
    const state = await producers.build.queue.getJobState(jobId);
    if (LIVE.has(state) && b.status === "queued") continue;
    if (state === "active") continue; // a worker holds it; BullMQ's stall check covers a dead one
    const fields = { buildId: b.id, attempt: b.attempt, status: b.status, jobState: state };
    if (state === "failed") {
      const job = await producers.build.queue.getJob(jobId);
      const reason = `its build job failed without recording an outcome: ${job?.failedReason ?? "no reason recorded"}`;
      if (await failBuild(deps, b, reason)) {
        out.failed++;
        logger.warn(fields, "reconciler: build failed, its job had ended");
      }
      continue;
    }
    const where = { id: b.id, attempt: b.attempt, status: b.status, ...(b.status === "running" ? { runId: b.run_id } : {}) };
    const moved = await db.$transaction(async (tx) => {
      // runId cleared: a worker of this build that comes back late is a displaced try.
      const r = await tx.build.updateMany({ where, data: { status: "queued", runId: null, errorClass: null, errorMessage: null } });
      if (r.count) await tx.buildAttempt.updateMany({ where: { buildId: b.id, attempt: b.attempt }, data: { status: "queued" } });
      return r.count;
    });
    if (!moved) continue;
    if (!LIVE.has(state)) {
      // A completed job keeps its id: make way for a new one.
      if (state === "completed") await (await producers.build.queue.getJob(jobId))?.remove();
      await producers.build.enqueue({ buildId: b.id, attempt: b.attempt });
    }
    out.requeued++;
    logger.warn(
      fields,
      LIVE.has(state) ? "reconciler: build back to queued, its job is waiting again" : "reconciler: build enqueued again",
    );
  }
  return out;
}

async function failBuild(deps: ReconcileDeps, b: { id: string; attempt: number; status: string; run_id: string | null }, reason: string) {
  const data = { status: "failed" as const, errorClass: "infrastructure" as const, errorMessage: reason, finishedAt: new Date() };
  return deps.db.$transaction(async (tx) => {
    const r = await tx.build.updateMany({
      where: {
        id: b.id,
        attempt: b.attempt,
        status: b.status as "queued" | "running",
        ...(b.status === "running" ? { runId: b.run_id } : {}),
      },
      data,
    });
    if (!r.count) return false;
    await tx.buildAttempt.updateMany({ where: { buildId: b.id, attempt: b.attempt, status: { in: ["queued", "running"] } }, data });
    if (deps.reportToGithub) await tx.outboxMessage.create({ data: githubReportMessage(b.id, b.attempt, "finished") });
    return true;
  });
}
