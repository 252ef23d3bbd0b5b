import { OUTBOX_PUBLISH_ENQUEUE } from "@slipway/contracts";
import { PUBLISH_JOB } from "@slipway/queue";
import { LIVE_JOB_STATES } from "./live-job-states";
import type { ReconcileDeps, ReconcileOptions } from "./reconcile-builds";

export interface PublishesReconciled {
  requeued: number;
  failed: number;
}

/**
 * Publish rows left `pending` with no live publish job for their build: the job was lost in
 * Redis (enqueued again: copying by digest and tagging are idempotent), or it ended without
 * writing them, e.g. stalled out after publisher crashes (the rows failed, with the reason). A
 * build whose publish is still in the outbox, or has any live job (a retry through the API has
 * a job id of its own), is left alone.
 */
export async function reconcilePublishes(deps: ReconcileDeps, opts: ReconcileOptions = {}): Promise<PublishesReconciled> {
  const { db, producers, logger } = deps;
  const graceMs = opts.graceMs ?? 30_000;
  const rows = await db.$queryRaw<{ build_id: string; attempt: number; succeeded: boolean }[]>`
    SELECT DISTINCT p.build_id, b.attempt, a.status = 'succeeded' AS succeeded
    FROM publishes p
    JOIN builds b ON b.id = p.build_id
    LEFT JOIN build_attempts a ON a.build_id = b.id AND a.attempt = b.attempt
    WHERE p.status = 'pending' AND p.created_at < now() - ${graceMs} * interval '1 millisecond'
      AND NOT EXISTS (SELECT 1 FROM outbox_messages o
        WHERE o.dispatched_at IS NULL AND o.topic = ${OUTBOX_PUBLISH_ENQUEUE} AND o.payload->>'buildId' = p.build_id::text)
    LIMIT ${opts.limit ?? 500}`;
  const out: PublishesReconciled = { requeued: 0, failed: 0 };
  if (!rows.length) return out;
  const live = new Set(
    (await producers.publish.queue.getJobs([...LIVE_JOB_STATES])).map((j) => (j?.data as { buildId?: string })?.buildId),
  );
  for (const r of rows) {
    if (live.has(r.build_id)) continue;
    const jobId = PUBLISH_JOB.jobId({ buildId: r.build_id, attempt: r.attempt });
    const state = await producers.publish.queue.getJobState(jobId);
    const fields = { buildId: r.build_id, attempt: r.attempt, jobState: state };
    if (state === "unknown" && r.succeeded) {
      await producers.publish.enqueue({ buildId: r.build_id, attempt: r.attempt });
      out.requeued++;
      logger.warn(fields, "reconciler: publish enqueued again, its job was lost");
      continue;
    }
    const job = state === "unknown" ? undefined : await producers.publish.queue.getJob(jobId);
    const why = job?.failedReason ? `: ${job.failedReason}` : "";
    const error = `the publish job ended (${state}) without publishing this tag${why}`;
    const { count } = await db.publish.updateMany({ where: { buildId: r.build_id, status: "pending" }, data: { status: "failed", error } });
    out.failed += count;
    if (count) logger.warn({ ...fields, tags: count }, "reconciler: pending publishes failed, their job had ended");
  }
  return out;
}
