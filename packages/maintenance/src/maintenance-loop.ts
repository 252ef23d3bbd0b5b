import type { Db } from "@slipway/db";
import type { Logger } from "pino";
import { acquireLease, releaseLease } from "./acquire-lease";

export interface MaintenanceTask {
  name: string;
  /** how often it runs, ms */
  everyMs: number;
  /** returns counts of what it did, for the log line */
  run: () => Promise<Record<string, number>>;
}

export interface MaintenanceLoopOptions {
  db: Db;
  logger: Logger;
  /** this process, unique in the farm (e.g. host:pid:random) */
  holder: string;
  tasks: MaintenanceTask[];
  /** how often the lease is renewed and tasks due are run, ms @defaultValue 10000 */
  tickMs?: number;
  /** how long the lease lasts without renewal, ms @defaultValue 3 x tickMs */
  leaseMs?: number;
}

const LEASE = "maintenance";

/**
 * Runs the farm's maintenance tasks in one process at a time: each tick takes or renews the
 * "maintenance" lease in PostgreSQL and, while it holds it, runs the tasks that are due. Any
 * number of api processes run a loop; when the holder dies its lease runs out within
 * `leaseMs` and the next tick of another process takes over. A task that throws is logged and
 * tried at its next turn; it never stops the loop or the others.
 */
export class MaintenanceLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly lastRun = new Map<string, number>();
  private leader = false;
  private stopped = true;

  constructor(private readonly opts: MaintenanceLoopOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.leader) await releaseLease(this.opts.db, LEASE, this.opts.holder).catch(() => {});
  }

  /** One tick: the lease, then every task that is due. Returns whether this process holds the lease. */
  async tick(now = Date.now()): Promise<boolean> {
    const { db, logger, holder } = this.opts;
    const tickMs = this.opts.tickMs ?? 10_000;
    const was = this.leader;
    try {
      this.leader = await acquireLease(db, LEASE, holder, this.opts.leaseMs ?? 3 * tickMs);
    } catch (err) {
      this.leader = false;
      logger.warn({ err: (err as Error).message }, "maintenance: could not take or renew the lease");
    }
    if (this.leader !== was)
      logger.info({ holder }, this.leader ? "maintenance: this process runs the farm's maintenance" : "maintenance: lease lost");
    if (!this.leader) return false;
    for (const task of this.opts.tasks) {
      if (now - (this.lastRun.get(task.name) ?? -Infinity) < task.everyMs) continue;
      // Renewed before each task, so a tick of long tasks never outlives the lease; each task
      // is also safe if a process that lost the lease mid-task still finishes it (conditional
      // writes, idempotent enqueues).
      if (!(await acquireLease(db, LEASE, holder, this.opts.leaseMs ?? 3 * tickMs).catch(() => false))) {
        this.leader = false;
        logger.info({ holder }, "maintenance: lease lost");
        return false;
      }
      this.lastRun.set(task.name, now);
      try {
        const counts = await task.run();
        if (Object.values(counts).some((n) => n > 0)) logger.info({ task: task.name, ...counts }, "maintenance task did work");
      } catch (err) {
        logger.warn({ task: task.name, err: (err as Error).message }, "maintenance task failed; it runs again at its next turn");
      }
    }
    return true;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        () => undefined,
        () => undefined,
      );
      void this.running.finally(() => this.schedule(this.opts.tickMs ?? 10_000));
    }, ms);
    this.timer.unref?.();
  }
}
