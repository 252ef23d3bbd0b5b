import { JobProducer } from "./job-producer";

/** Jobs per state of every queue the producers hold (waiting includes prioritized). */
export async function countJobs(
  producers: object,
): Promise<{ name: string; waiting: number; active: number; delayed: number; failed: number }[]> {
  const queues = Object.values(producers)
    .filter((p): p is JobProducer<never> => p instanceof JobProducer)
    .map((p) => p.queue);
  return Promise.all(
    queues.map(async (q) => {
      const c = await q.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
      return {
        name: q.name,
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    }),
  );
}
