// Redis's limit for enqueueing: raw BullMQ Queue.add of build-job-sized jobs (job id, data
// {buildId, attempt}), `concurrency` adds in flight at once, against the test Redis under a
// key prefix of this run's own (removed afterwards).
import { randomBytes, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";

export interface QueueAddResult {
  concurrency: number;
  seconds: number;
  addsPerS: number;
}

export async function runQueueAdds(redisUrl: string, o: { concurrency: number; seconds: number }): Promise<QueueAddResult> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("build", {
    connection,
    prefix: `bench-${randomBytes(4).toString("hex")}`,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: "exponential", delay: 10_000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
  let added = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (performance.now() < end) {
          const buildId = randomUUID();
          await queue.add("build", { buildId, attempt: 1 }, { jobId: buildId });
          added++;
        }
      }),
    );
    return { concurrency: o.concurrency, seconds: o.seconds, addsPerS: added / ((performance.now() - t0) / 1000) };
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
}
