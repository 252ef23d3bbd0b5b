import { ZReportJobData } from "@slipway/contracts";
import { REPORT_JOB } from "@slipway/queue";
import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { classifyGithubError } from "./classify-github-error";
import { syncBuildReport, type ReportDeps } from "./sync-build-report";

export interface ReportWorkerOptions {
  /** blocking connection for BullMQ (maxRetriesPerRequest: null) */
  connection: Redis;
  /** key prefix @defaultValue "slipway" */
  prefix?: string;
  /** reports at once @defaultValue 2 */
  concurrency?: number;
}

/**
 * The "report" queue's consumer: brings GitHub in line with a build's current state
 * (syncBuildReport). Nothing here can fail or delay a build: builds only write outbox rows.
 * GitHub 5xx, 429 and network errors are retried with the job's backoff; a rate limit moves
 * the job until GitHub's reset (not counted as a try); other errors (bad credentials, App not
 * installed, validation) end the job, logged. Lifecycle: start by constructing; close() waits
 * for running reports.
 */
export class ReportWorker {
  readonly worker: Worker;

  constructor(
    private readonly deps: ReportDeps,
    opts: ReportWorkerOptions,
  ) {
    this.worker = new Worker(REPORT_JOB.queue, (job, token) => this.process(job, token), {
      connection: opts.connection,
      prefix: opts.prefix ?? "slipway",
      concurrency: opts.concurrency ?? 2,
    });
    this.worker.on("error", (err) => deps.logger.warn({ err: err.message }, "report worker error"));
    this.worker.on("failed", (job, err) => {
      if (err instanceof DelayedError || err.name === "DelayedError") return;
      deps.logger.warn(
        { jobId: job?.id, buildId: job?.data?.buildId, attemptsMade: job?.attemptsMade, err: err.message },
        "GitHub report failed",
      );
    });
  }

  private async process(job: Job, token: string | undefined): Promise<unknown> {
    const data = ZReportJobData.parse(job.data);
    try {
      return await syncBuildReport(this.deps, data.buildId);
    } catch (err) {
      const c = classifyGithubError(err);
      if (c.kind === "rate-limited") {
        this.deps.logger.info(
          { buildId: data.buildId, until: new Date(c.until).toISOString() },
          "GitHub rate limit: report waits for the reset",
        );
        await job.moveToDelayed(Math.max(c.until, Date.now() + 1000), token);
        throw new DelayedError();
      }
      if (c.kind === "permanent") throw new UnrecoverableError(c.message);
      throw new Error(c.message, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.worker.close();
  }
}
