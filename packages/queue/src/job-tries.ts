import type { Job } from "bullmq";

/** While a job runs: no retry follows if this try fails (BullMQ counts attemptsMade after a try). */
export function isFinalTry(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** After a job failed: every try was used. */
export function triesExhausted(job: Job): boolean {
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}
