import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { z } from "zod";
import type { JobDefinition } from "./job-catalog";

export interface ProducerOptions {
  /** key prefix in Redis; tests use their own @defaultValue "slipway" */
  prefix?: string;
  /** overrides the catalog's attempts (config: SLIPWAY_BUILD_ATTEMPTS, ...) */
  attempts?: number;
  /** overrides the catalog's backoff delay, ms */
  backoffMs?: number;
}

/** Producer side of one queue of the job catalog. Enqueueing is idempotent (job ids). */
export class JobProducer<S extends z.ZodType> {
  readonly queue: Queue;

  constructor(
    readonly def: JobDefinition<S>,
    connection: Redis,
    opts: ProducerOptions = {},
  ) {
    this.queue = new Queue(def.queue, {
      connection,
      prefix: opts.prefix ?? "slipway",
      defaultJobOptions: {
        attempts: opts.attempts ?? def.attempts,
        backoff: { ...def.backoff, delay: opts.backoffMs ?? def.backoff.delay },
        // Jobs stay a week, so a late duplicate enqueue is still deduped by id.
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    // Connection errors surface through add(); keep the emitter from throwing.
    this.queue.on("error", () => {});
  }

  async enqueue(data: z.infer<S>): Promise<void> {
    const parsed = this.def.schema.parse(data);
    await this.queue.add(this.def.name, parsed, { jobId: this.def.jobId(parsed) });
  }

  /** Several jobs in one Redis round trip (a MULTI): all are added, or the call throws. Each is checked first. */
  async enqueueMany(items: unknown[]): Promise<void> {
    const parsed = items.map((d) => this.def.schema.parse(d));
    await this.queue.addBulk(parsed.map((data) => ({ name: this.def.name, data, opts: { jobId: this.def.jobId(data) } })));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
