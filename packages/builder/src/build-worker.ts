import { CANCEL_CHANNEL, githubReportMessage, ZBuildJobData } from "@slipway/contracts";
import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import { isFinalTry, triesExhausted, WorkerHeartbeat } from "@slipway/queue";
import { buildHostDown } from "./docker-daemon-down";
import { isDatabaseUnreachable } from "@slipway/db";
import type { Redis } from "ioredis";
import { executeBuild, SHUTDOWN, type BuildDeps } from "./execute-build";
import { InfrastructureFailure } from "./failures";
import { decideRoute, type RouteDecision } from "./route-build";

/** How long a job waits before it is tried again while PostgreSQL is unreachable. */
const DB_DOWN_RETRY_MS = 3_000;
/** A job a worker without a daemon gave back is available again this soon (to other workers). */
const DAEMON_DOWN_REQUEUE_MS = 500;
/** A job given back for routing is available again this soon at the earliest (no hot loop). */
const MIN_DEFER_MS = 50;
const DEFAULT_ROUTE_WAIT_MS = 10_000;
const DEFAULT_ROUTE_AFFINITY_MS = 24 * 3600_000;

/**
 * Puts the job back in the queue for `delayMs` without using one of its tries (BullMQ's
 * DelayedError), when what keeps the build from starting or finishing here is not its own failure.
 */
async function giveBack(job: Job, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

export interface BuildWorkerOptions {
  /** blocking connection for BullMQ (maxRetriesPerRequest: null) */
  connection: Redis;
  /** a separate connection for the cancel subscription */
  subscriber: Redis;
  /** key prefix @defaultValue "slipway" */
  prefix?: string;
  /** builds at once in this process @defaultValue 1 */
  concurrency?: number;
  /** how long this worker's hold on a job lasts without renewal, ms @defaultValue 60000 */
  lockMs?: number;
}

/**
 * The build queue's consumer. A user failure ends the job for good (UnrecoverableError, no
 * retry); an infrastructure failure throws, so BullMQ retries it with the job's backoff.
 * Cancels arrive on a Redis channel and abort the running build's process group.
 * Lifecycle: start by constructing; `close()` waits for running builds (SIGTERM).
 */
export class BuildWorker {
  readonly worker: Worker;
  /** build id -> controllers of the tries running here (a retry's attempt may overlap a stale one) */
  private readonly running = new Map<string, Set<AbortController>>();
  /** build id -> repository, for the heartbeat's "what is it building" */
  private readonly repositories = new Map<string, string>();
  private readonly heartbeat: WorkerHeartbeat;
  /** polling for the Docker daemon to answer again (this worker is paused meanwhile) */
  private daemonWait: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly deps: BuildDeps,
    private readonly opts: BuildWorkerOptions,
  ) {
    this.worker = new Worker("build", (job, token, signal) => this.process(job, token, signal), {
      connection: opts.connection,
      prefix: opts.prefix ?? "slipway",
      concurrency: opts.concurrency ?? 1,
      // Builds are long: renew the lock often enough, and treat a worker that stops renewing
      // (SIGKILL, host gone) as stalled so another worker takes the job over.
      lockDuration: opts.lockMs ?? 60_000,
      // Stalled jobs (a dead worker's) are looked for this often by the workers that are up.
      stalledInterval: Math.min(30_000, Math.round((opts.lockMs ?? 60_000) / 2)),
      maxStalledCount: 2,
    });
    this.worker.on("error", (err) => deps.logger.warn({ err: err.message }, "build worker error"));
    const { workerId, host } = deps.settings;
    this.heartbeat = new WorkerHeartbeat(
      deps.redis,
      { workerId, host, role: "build", concurrency: opts.concurrency ?? 1 },
      () => [...this.repositories].map(([buildId, repository]) => ({ buildId, repository })),
      opts.prefix ?? "slipway",
    );
    this.heartbeat.start();
    this.worker.on("failed", (job, err) => {
      deps.logger.info({ jobId: job?.id, err: err.message }, "build job failed");
      // A job can end without its processor recording anything (stalled too often after
      // worker crashes): make sure its build does not stay "running" for ever.
      const final = err instanceof UnrecoverableError || err.name === "UnrecoverableError" || (job !== undefined && triesExhausted(job));
      const data = ZBuildJobData.safeParse(job?.data);
      if (final && data.success) void this.failStuckBuild(data.data.buildId, data.data.attempt, err.message);
    });
    const subscribe = () =>
      void opts.subscriber
        .subscribe(CANCEL_CHANNEL)
        .catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, "cancel subscription failed"));
    // Only once the connection is ready: a SUBSCRIBE sent while ioredis still connects puts the
    // connection in subscriber mode before its ready check (INFO), which Redis then refuses
    // ("Connection in subscriber mode", and a reconnect). ioredis subscribes again by itself
    // after any later reconnect.
    if (opts.subscriber.status === "ready") subscribe();
    else opts.subscriber.once("ready", subscribe);
    opts.subscriber.on("message", (channel: string, buildId: string) => {
      if (channel !== CANCEL_CHANNEL) return;
      const ctls = this.running.get(buildId);
      if (ctls?.size) {
        deps.logger.info({ buildId }, "cancel received; stopping the build");
        for (const ctl of ctls) ctl.abort();
      }
    });
  }

  private async process(job: Job, token: string | undefined, lockSignal: AbortSignal | undefined): Promise<unknown> {
    const data = ZBuildJobData.parse(job.data);
    const ctl = new AbortController();
    // BullMQ aborts this signal when the job's lock is lost: another worker may take the job
    // over, so stop ours the way a shutdown does (back to the queue, not a failure).
    lockSignal?.addEventListener("abort", () => ctl.abort(SHUTDOWN), { once: true });
    const mine = this.running.get(data.buildId) ?? new Set<AbortController>();
    mine.add(ctl);
    this.running.set(data.buildId, mine);
    try {
      const build = await this.deps.db.build.findUnique({
        where: { id: data.buildId },
        select: { status: true, attempt: true, repositoryId: true, repository: { select: { fullName: true } } },
      });
      const route = build && build.attempt === data.attempt ? await this.route(job, build) : undefined;
      if (route?.kind === "defer") {
        this.deps.logger.debug({ buildId: data.buildId, why: route.why }, "routing: build given back for a host that built its repository");
        // Not this host's to build yet: back to the queue without using a try, where a worker
        // on a host with the repository's layers takes it (or this one, once the wait is over).
        return await giveBack(job, token, route.delayMs);
      }
      if (build) this.repositories.set(data.buildId, build.repository.fullName);
      void this.heartbeat.beat();
      const down = await buildHostDown(this.deps.settings);
      if (down) {
        // Not the build's failure, and no reason to spend its tries: it goes back to the queue
        // for a worker whose daemon answers, and this one takes nothing until its own does.
        this.waitForDaemon(down);
        return await giveBack(job, token, DAEMON_DOWN_REQUEUE_MS);
      }
      const routing = route ? { routing: route.routing, routingWhy: route.why } : {};
      const outcome = await executeBuild(this.deps, { ...data, finalTry: isFinalTry(job), ...routing }, ctl.signal);
      if (outcome.kind === "interrupted") {
        // Back to the queue without using up one of the job's attempts.
        return await giveBack(job, token, 1000);
      }
      if (outcome.kind === "failed") {
        if (outcome.failure instanceof InfrastructureFailure && outcome.retrying) throw outcome.failure;
        throw new UnrecoverableError(outcome.failure.message);
      }
      return { outcome: outcome.kind, ...(outcome.kind === "succeeded" ? { digest: outcome.digest } : {}) };
    } catch (err) {
      if (err instanceof UnrecoverableError || err instanceof DelayedError) throw err;
      if (isDatabaseUnreachable(err)) {
        // PostgreSQL down (restarting): not the build's failure. The job waits in the queue
        // without using up one of its tries, so an outage longer than the retries' backoff
        // fails no build (found by the fault suite: a build picked up mid-outage failed).
        this.deps.logger.warn(
          { buildId: data.buildId, err: (err as Error).message },
          "PostgreSQL unreachable; the build waits in the queue",
        );
        return await giveBack(job, token, DB_DOWN_RETRY_MS);
      }
      // Ours (daemon, registry, Postgres down while recording, ...): retry. On the last try,
      // make sure the build cannot stay "running" forever (a no-op if it was recorded).
      const message = err instanceof Error ? err.message : String(err);
      if (isFinalTry(job)) await this.failStuckBuild(data.buildId, data.attempt, message);
      throw err instanceof InfrastructureFailure ? err : new InfrastructureFailure(message);
    } finally {
      mine.delete(ctl);
      if (!mine.size) {
        this.running.delete(data.buildId);
        // A build given back by routing was never shown as running: no beat to take it off.
        if (this.repositories.delete(data.buildId)) void this.heartbeat.beat();
      }
    }
  }

  /**
   * Cache-aware routing (route-build.ts) for a build still waiting to run; none for others.
   * Fails open: when PostgreSQL or Redis cannot answer, this worker takes the build (a routing
   * error must not cost the build a try).
   */
  private async route(job: Job, build: { status: string; repositoryId: string; repository: { fullName: string } }) {
    if (build.status !== "queued" && build.status !== "running") return undefined;
    const { host, routeWaitMs, routeAffinityMs } = this.deps.settings;
    const decision: RouteDecision | undefined = await decideRoute(
      { db: this.deps.db, redis: this.deps.redis, prefix: this.opts.prefix ?? "slipway" },
      {
        repositoryId: build.repositoryId,
        repository: build.repository.fullName,
        host,
        queuedAtMs: job.timestamp,
        waitMs: routeWaitMs ?? DEFAULT_ROUTE_WAIT_MS,
        affinityMs: routeAffinityMs ?? DEFAULT_ROUTE_AFFINITY_MS,
      },
    ).catch((err: unknown) => {
      this.deps.logger.warn({ err: (err as Error).message, jobId: job.id }, "routing could not decide; this worker takes the build");
      return undefined;
    });
    if (!decision) return undefined;
    return decision.kind === "defer" ? { ...decision, delayMs: Math.max(MIN_DEFER_MS, decision.delayMs) } : decision;
  }

  /**
   * Pauses taking jobs while the Docker daemon does not answer, says so in the heartbeat (the
   * farm page shows it), and resumes once the daemon answers again (checked every 2 s).
   */
  private waitForDaemon(problem: string): void {
    if (this.daemonWait) return;
    this.deps.logger.warn(
      { problem, dockerHost: this.deps.settings.env.DOCKER_HOST, buildkit: this.deps.settings.buildkit?.endpoint },
      "Docker daemon down: this worker takes no builds until it answers",
    );
    this.heartbeat.setProblem(problem);
    void this.worker.pause(true);
    this.daemonWait = setInterval(() => {
      void buildHostDown(this.deps.settings).then((still) => {
        if (still || !this.daemonWait || this.closing) return;
        clearInterval(this.daemonWait);
        this.daemonWait = undefined;
        this.heartbeat.setProblem(undefined);
        void this.worker.resume();
        this.deps.logger.info("Docker daemon answers again: taking builds");
      });
    }, 2_000);
  }

  /** Fails a build left queued/running by a job that ended (no-op if it was recorded); retries a Postgres blip. */
  private async failStuckBuild(buildId: string, attempt: number, message: string): Promise<void> {
    const data = { status: "failed" as const, errorClass: "infrastructure" as const, errorMessage: message, finishedAt: new Date() };
    for (let i = 0; i < 5; i++) {
      try {
        await this.deps.db.$transaction(async (tx) => {
          // Only a build this worker runs (or none does): another worker that took the job over
          // owns it. One left running by a dead worker is the reconciler's (packages/maintenance).
          const mine = [{ status: "queued" as const }, { status: "running" as const, workerId: this.deps.settings.workerId }];
          const moved = await tx.build.updateMany({ where: { id: buildId, attempt, OR: mine }, data: { ...data, runId: null } });
          if (moved.count) await tx.buildAttempt.updateMany({ where: { buildId, attempt, status: { in: ["queued", "running"] } }, data });
          if (moved.count && this.deps.settings.reportToGithub)
            await tx.outboxMessage.create({ data: githubReportMessage(buildId, attempt, "finished") });
        });
        return;
      } catch (err) {
        this.deps.logger.warn({ buildId, err: (err as Error).message }, "could not mark the build failed; retrying");
        await new Promise((r) => setTimeout(r, 2000 * (i + 1)));
      }
    }
  }

  /**
   * Stops taking jobs and waits for running builds; after `graceMs` the remaining builds are
   * stopped (buildx process groups killed) and go back to the queue as an infrastructure
   * failure, to run again on a worker that is up. @defaultValue graceMs: wait for ever
   */
  async close(opts: { graceMs?: number } = {}): Promise<void> {
    this.closing = true;
    // Its free slots are no longer free: routing must not give builds back for this worker.
    this.heartbeat.setProblem("stopping");
    if (this.daemonWait) clearInterval(this.daemonWait);
    const timer =
      opts.graceMs === undefined
        ? undefined
        : setTimeout(() => {
            for (const ctls of this.running.values()) for (const ctl of ctls) ctl.abort(SHUTDOWN);
          }, opts.graceMs);
    await this.worker.close();
    if (timer) clearTimeout(timer);
    await this.heartbeat.stop();
    await this.opts.subscriber.unsubscribe(CANCEL_CHANNEL).catch(() => {});
  }
}
