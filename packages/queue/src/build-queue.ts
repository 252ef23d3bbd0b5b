import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { TBuildJobData } from "@slipway/contracts";
import { BUILD_JOB, buildJobId } from "./job-catalog";

export interface QueueOptions {
  /** key prefix in Redis; tests use their own @defaultValue "slipway" */
  prefix?: string;
}

/** Producer side of the build queue. */
export class BuildQueue {
  readonly queue: Queue<TBuildJobData>;

  constructor(connection: Redis, opts: QueueOptions = {}) {
    this.queue = new Queue<TBuildJobData>(BUILD_JOB.queue, {
      connection,
      prefix: opts.prefix ?? "slipway",
      defaultJobOptions: {
        attempts: BUILD_JOB.attempts,
        backoff: BUILD_JOB.backoff,
        // Completed/failed jobs stay a week, so a late duplicate enqueue is still deduped by id.
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    // Connection errors surface through add(); keep the emitter from throwing.
    this.queue.on("error", () => {});
  }

  /** Idempotent: the job id is derived from (build, attempt). */
  async enqueue(data: TBuildJobData): Promise<void> {
    const parsed = BUILD_JOB.schema.parse(data);
    await this.queue.add(BUILD_JOB.name, parsed, { jobId: buildJobId(parsed.buildId, parsed.attempt) });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
