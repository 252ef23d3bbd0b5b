import { z } from "zod";

/** Payload of a job on the "build" queue. Ids only: never secrets, never the config. */
export const ZBuildJobData = z.object({
  buildId: z.string().uuid(),
  attempt: z.number().int().positive(),
});
export type TBuildJobData = z.infer<typeof ZBuildJobData>;

/** Outbox topic: enqueue a build attempt on the build queue. Payload: TBuildJobData. */
export const OUTBOX_BUILD_ENQUEUE = "build.enqueue";

/** Redis Stream of a build attempt's live log lines (fields: n = line number, l = line). */
export const logStreamKey = (buildId: string, attempt: number) => `slipway:log:${buildId}:${attempt}`;

/** Payload of a job on the "publish" queue. Ids only: credentials are read at publish time. */
export const ZPublishJobData = z.object({
  buildId: z.string().uuid(),
  attempt: z.number().int().positive(),
  /** set by POST /builds/:id/publish/retry: a job id of its own, so BullMQ (which keeps
   * finished jobs a week and dedupes by id) runs the publish again */
  retry: z.string().uuid().optional(),
});
export type TPublishJobData = z.infer<typeof ZPublishJobData>;

/** Outbox topic: enqueue the publish of a built attempt. Payload: TPublishJobData. */
export const OUTBOX_PUBLISH_ENQUEUE = "publish.enqueue";

/** Redis pub/sub channel on which build ids to cancel are announced to workers. */
export const CANCEL_CHANNEL = "slipway:cancel";

/** Which state change asked for a GitHub report (part of the job id: one job per change). */
const ZReportEvent = z.enum(["queued", "started", "finished", "cancelled", "published"]);
export type TReportEvent = z.infer<typeof ZReportEvent>;

/**
 * Payload of a job on the "report" queue: sync GitHub's check run / commit status with the
 * build's state as the database holds it when the job runs. Ids only.
 */
export const ZReportJobData = z.object({
  buildId: z.string().uuid(),
  attempt: z.number().int().positive(),
  event: ZReportEvent,
  /** a publish retry's id: its report is a job of its own (BullMQ dedupes finished jobs by id) */
  retry: z.string().uuid().optional(),
});
export type TReportJobData = z.infer<typeof ZReportJobData>;

/** Outbox topic: enqueue a GitHub report of a build. Payload: TReportJobData. */
export const OUTBOX_GITHUB_REPORT = "github.report";

/** The outbox row announcing a state change to the GitHub reporter (for `outboxMessage.create`). */
export function githubReportMessage(
  buildId: string,
  attempt: number,
  event: TReportEvent,
  retry?: string,
): { topic: string; payload: TReportJobData } {
  return { topic: OUTBOX_GITHUB_REPORT, payload: { buildId, attempt, event, ...(retry ? { retry } : {}) } };
}
