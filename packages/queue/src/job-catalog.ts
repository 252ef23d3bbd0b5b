import { ZBuildJobData } from "@slipway/contracts";
import type { z } from "zod";

/** One job kind, declared once: queue, payload schema, retry policy. Handlers live elsewhere. */
export interface JobDefinition<S extends z.ZodType> {
  queue: string;
  name: string;
  schema: S;
  /** BullMQ attempts (infrastructure failures only; user failures are never retried) */
  attempts: number;
  backoff: { type: "exponential" | "fixed"; delay: number };
}

/** The "build" queue: one job per build attempt. @defaultValue attempts 3, backoff 10 s exponential */
export const BUILD_JOB = {
  queue: "build",
  name: "build",
  schema: ZBuildJobData,
  attempts: 3,
  backoff: { type: "exponential", delay: 10_000 },
} as const satisfies JobDefinition<typeof ZBuildJobData>;

/**
 * The BullMQ job id of a build attempt. The first attempt uses the build id itself, so an
 * enqueue that runs twice (outbox relay after a Redis blip) adds the job once; later attempts
 * (retry through the API) get their own id.
 */
export function buildJobId(buildId: string, attempt: number): string {
  return attempt === 1 ? buildId : `${buildId}-attempt-${attempt}`;
}
