import { ZBuildJobData, ZPublishJobData, ZReportJobData } from "@slipway/contracts";
import type { z } from "zod";

/** One job kind, declared once: queue, payload schema, retry policy. Handlers live elsewhere. */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  queue: string;
  name: string;
  schema: S;
  /** BullMQ attempts (infrastructure failures only; user failures are never retried) */
  attempts: number;
  backoff: { type: "exponential" | "fixed"; delay: number };
  /** the BullMQ job id for a payload: deterministic, so enqueueing twice adds one job */
  jobId: (data: z.infer<S>) => string;
}

/**
 * The BullMQ job id of a build attempt. The first attempt uses the build id itself, so an
 * enqueue that runs twice (outbox relay after a Redis blip) adds the job once; later attempts
 * (retry through the API) get their own id.
 */
export function buildJobId(buildId: string, attempt: number): string {
  return attempt === 1 ? buildId : `${buildId}-attempt-${attempt}`;
}

/** The "build" queue: one job per build attempt. @defaultValue attempts 3, backoff 10 s exponential */
export const BUILD_JOB = {
  queue: "build",
  name: "build",
  schema: ZBuildJobData,
  attempts: 3,
  backoff: { type: "exponential", delay: 10_000 },
  jobId: (d) => buildJobId(d.buildId, d.attempt),
} as const satisfies JobDefinition<typeof ZBuildJobData>;

/**
 * The "publish" queue: copy a built attempt to its targets. One job id per attempt (a relay
 * dispatching twice adds it once); a publish retried through the API has its own.
 * @defaultValue attempts 5, backoff 5 s exponential
 */
export const PUBLISH_JOB = {
  queue: "publish",
  name: "publish",
  schema: ZPublishJobData,
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  jobId: (d) => (d.retry ? `publish-${d.buildId}-${d.attempt}-retry-${d.retry}` : `publish-${d.buildId}-${d.attempt}`),
} as const satisfies JobDefinition<typeof ZPublishJobData>;

/**
 * The "report" queue: sync GitHub (check run or commit status) with a build's current state.
 * One job per state change (build, attempt, event), so a change is never swallowed by a job
 * already running for an earlier one; the handler reads the state when it runs, so order and
 * duplicates do not matter. GitHub 5xx/429/network errors retry with this backoff; rate limits
 * wait for GitHub's reset. @defaultValue attempts 10, backoff 2 s exponential (about 17 min in all)
 */
export const REPORT_JOB = {
  queue: "report",
  name: "report",
  schema: ZReportJobData,
  attempts: 10,
  backoff: { type: "exponential", delay: 2_000 },
  jobId: (d) => `report-${d.buildId}-${d.attempt}-${d.event}${d.retry ? `-retry-${d.retry}` : ""}`,
} as const satisfies JobDefinition<typeof ZReportJobData>;
