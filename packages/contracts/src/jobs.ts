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
