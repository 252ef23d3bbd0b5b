import { z } from "zod";

/** Payload of a job on the "build" queue. Ids only: never secrets, never the config. */
export const ZBuildJobData = z.object({
  buildId: z.string().uuid(),
  attempt: z.number().int().positive(),
});
export type TBuildJobData = z.infer<typeof ZBuildJobData>;

/** Outbox topic: enqueue a build attempt on the build queue. Payload: TBuildJobData. */
export const OUTBOX_BUILD_ENQUEUE = "build.enqueue";
