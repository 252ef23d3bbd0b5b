import { ZPublishJobData } from "@slipway/contracts";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { isFinalTry } from "@slipway/queue";
import type { Redis } from "ioredis";
import { executePublish, type PublishDeps } from "./execute-publish";

/**
 * The publish queue's consumer: a registry 5xx/429/network error is retried with the job's
 * backoff (without rebuilding); a user error (denied, bad tag, missing image) is not.
 */
export class PublishWorker {
  readonly worker: Worker;

  constructor(deps: PublishDeps, opts: { connection: Redis; prefix?: string; concurrency?: number }) {
    this.worker = new Worker("publish", (job) => this.process(deps, job), {
      connection: opts.connection,
      prefix: opts.prefix ?? "slipway",
      concurrency: opts.concurrency ?? 2,
    });
    this.worker.on("error", (err) => deps.logger.warn({ err: err.message }, "publish worker error"));
  }

  private async process(deps: PublishDeps, job: Job): Promise<unknown> {
    const data = ZPublishJobData.parse(job.data);
    const outcome = await executePublish(deps, { ...data, finalTry: isFinalTry(job) });
    if (deps.events && outcome.kind !== "skipped" && !(outcome.kind === "failed" && outcome.retry)) {
      const build = await deps.db.build.findUnique({ where: { id: data.buildId }, select: { repository: { select: { fullName: true } } } });
      const targets =
        outcome.kind === "published"
          ? outcome.targets.map((t) => ({ ...t, error: null }))
          : [{ image: outcome.error.registry, tags: [], digest: null, error: outcome.error.message }];
      if (build)
        deps.events.emit({
          type: "build.published",
          buildId: data.buildId,
          attempt: data.attempt,
          repository: build.repository.fullName,
          targets,
        });
    }
    if (outcome.kind === "failed") {
      if (outcome.retry) throw outcome.error;
      throw new UnrecoverableError(outcome.error.message);
    }
    return outcome;
  }

  async close(): Promise<void> {
    await this.worker.close();
  }
}
