import type { Db } from "@slipway/db";
import type { Logger } from "pino";

/** Dispatches one outbox message; throws when it could not (it is then retried). */
export type OutboxHandler = (payload: unknown) => Promise<void>;

export interface OutboxRelayOptions {
  db: Db;
  logger: Logger;
  /** topic → handler, e.g. "build.enqueue" → add the BullMQ job */
  handlers: Record<string, OutboxHandler>;
  /** how often to look for undispatched messages @defaultValue 1000 */
  pollIntervalMs?: number;
  /** messages per pass @defaultValue 100 */
  batchSize?: number;
  /** how long a claimed row is hidden from other relays, ms @defaultValue 30000 */
  leaseMs?: number;
  /** a dispatch (Redis add) slower than this counts as failed, ms @defaultValue 10000 */
  dispatchTimeoutMs?: number;
}

interface OutboxRow {
  id: bigint;
  topic: string;
  payload: unknown;
  attempts: number;
}

/**
 * The outbox relay: dispatches messages written in the same transaction as the rows they
 * announce, so a build stored while Redis was down is enqueued once Redis is back.
 *
 * Concurrency: any number of relays (api replicas, workers) may run; rows are claimed with
 * `FOR UPDATE SKIP LOCKED` plus a lease, so each message is handled by one relay at a time,
 * and handlers are idempotent (BullMQ job ids), so a crash between dispatch and the stamp
 * only repeats a no-op. Lifecycle: start() → kick() any time → stop() waits for the running pass.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly opts: OutboxRelayOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => 0);
  }

  /** Run a pass now (after a commit); coalesces with a pass in progress. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref?.();
  }

  private tick(): void {
    this.running = this.runOnce()
      .catch((err: unknown) => {
        this.opts.logger.warn({ err }, "outbox relay pass failed");
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.tick();
        } else {
          this.schedule();
        }
      });
  }

  /**
   * One pass: dispatch what is due. Returns how many messages were dispatched.
   *
   * Rows are claimed with a short lease (available_at pushed forward, in a transaction that
   * only does that), then dispatched outside any transaction, then stamped. A relay that dies
   * mid-pass leaves its rows to reappear when the lease ends; nothing holds a database
   * connection or row locks while Redis is slow or down.
   */
  async runOnce(): Promise<number> {
    const { db, logger } = this.opts;
    const batch = this.opts.batchSize ?? 100;
    const leaseMs = this.opts.leaseMs ?? 30_000;
    const rows = await db.$queryRaw<OutboxRow[]>`
      UPDATE outbox_messages SET available_at = now() + ${leaseMs} * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM outbox_messages
        WHERE dispatched_at IS NULL AND available_at <= now()
        ORDER BY id LIMIT ${batch}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, topic, payload, attempts`;
    rows.sort((a, b) => (a.id < b.id ? -1 : 1));
    // Dispatched rows are stamped together (one UPDATE, not one per row: under a webhook burst
    // a pass carries a hundred rows), every 50 rows and once half the lease has passed, so a
    // slow pass seldom leaves dispatched rows unstamped when its lease ends. Rows a slow pass
    // has not reached by then may be taken by another relay and dispatched twice: harmless,
    // since dispatches are idempotent (job ids); so is a crash before a stamp.
    const dispatched: bigint[] = [];
    const started = Date.now();
    let done = 0;
    const stamp = async () => {
      const ids = dispatched.splice(0);
      if (!ids.length) return;
      await db.$executeRaw`UPDATE outbox_messages SET dispatched_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = ANY(${ids}::bigint[])`;
      done += ids.length;
    };
    try {
      await this.dispatchAll(rows, dispatched, async () => {
        if (dispatched.length >= 50 || Date.now() - started > leaseMs / 2) await stamp();
      });
    } finally {
      // Never hides the pass's own error: a stamp that fails only means a repeat later.
      await stamp().catch((err: unknown) =>
        logger.warn({ err }, "could not stamp dispatched outbox rows; they repeat when their lease ends"),
      );
    }
    if (done > 0) logger.debug({ dispatched: done }, "outbox dispatched");
    return done;
  }

  private async dispatchAll(rows: OutboxRow[], dispatched: bigint[], afterEach: () => Promise<void>): Promise<void> {
    const { db, handlers, logger } = this.opts;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const handler = handlers[row.topic];
      try {
        if (!handler) throw new Error(`no handler for outbox topic "${row.topic}"`);
        await withTimeout(handler(row.payload), this.opts.dispatchTimeoutMs ?? 10_000, `dispatch of outbox row ${row.id}`);
        dispatched.push(row.id);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        // Short, capped backoff: a Redis outage should drain within seconds of recovery.
        const delayMs = Math.min(1000 * (row.attempts + 1), 10_000);
        await db.outboxMessage.update({
          where: { id: row.id },
          data: { attempts: row.attempts + 1, lastError: message.slice(0, 1000), availableAt: new Date(Date.now() + delayMs) },
        });
        logger.warn(
          { outboxId: row.id.toString(), topic: row.topic, attempts: row.attempts + 1, error: message },
          "outbox dispatch failed",
        );
        // The usual cause (Redis down) fails every message alike: release the rest at once.
        const rest = rows.slice(i + 1).map((r) => r.id);
        if (rest.length)
          await db.outboxMessage.updateMany({ where: { id: { in: rest }, dispatchedAt: null }, data: { availableAt: new Date() } });
        break;
      }
      await afterEach();
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
