import type { Db } from "@slipway/db";
import type { Logger } from "pino";

/** Dispatches outbox messages of one topic, all of them or none (one Redis round trip); throws when it could not (they are then retried). */
export type OutboxHandler = (payloads: unknown[]) => Promise<void>;

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

  /**
   * Consecutive rows of one topic (up to 50) go to their handler together: one Redis round
   * trip where a webhook burst made one per row. A group that fails is dispatched again row by
   * row, so one row that cannot be dispatched is told from the others and only it backs off.
   */
  private async dispatchAll(rows: OutboxRow[], dispatched: bigint[], afterEach: () => Promise<void>): Promise<void> {
    for (let i = 0; i < rows.length;) {
      let end = i + 1;
      while (end < rows.length && end - i < 50 && rows[end]!.topic === rows[i]!.topic) end++;
      const group = rows.slice(i, end);
      if (
        group.length > 1 &&
        (await this.dispatch(group).then(
          () => true,
          () => false,
        ))
      ) {
        dispatched.push(...group.map((r) => r.id));
        i = end;
        await afterEach();
        continue;
      }
      for (const row of group) {
        try {
          await this.dispatch([row]);
          dispatched.push(row.id);
        } catch (err) {
          await this.failed(row, err, rows.slice(rows.indexOf(row) + 1));
          return;
        }
        await afterEach();
      }
      i = end;
    }
  }

  private async dispatch(rows: OutboxRow[]): Promise<void> {
    const topic = rows[0]!.topic;
    const handler = this.opts.handlers[topic];
    if (!handler) throw new Error(`no handler for outbox topic "${topic}"`);
    const what = rows.length > 1 ? `dispatch of outbox rows ${rows[0]!.id}..${rows.at(-1)!.id}` : `dispatch of outbox row ${rows[0]!.id}`;
    await withTimeout(handler(rows.map((r) => r.payload)), this.opts.dispatchTimeoutMs ?? 10_000, what);
  }

  /** A row that could not be dispatched backs off; the rest of the pass is released at once. */
  private async failed(row: OutboxRow, err: unknown, rest: OutboxRow[]): Promise<void> {
    const { db, logger } = this.opts;
    const message = err instanceof Error ? err.message : String(err);
    // Short, capped backoff: a Redis outage should drain within seconds of recovery.
    const delayMs = Math.min(1000 * (row.attempts + 1), 10_000);
    await db.outboxMessage.update({
      where: { id: row.id },
      data: { attempts: row.attempts + 1, lastError: message.slice(0, 1000), availableAt: new Date(Date.now() + delayMs) },
    });
    logger.warn({ outboxId: row.id.toString(), topic: row.topic, attempts: row.attempts + 1, error: message }, "outbox dispatch failed");
    // The usual cause (Redis down) fails every message alike: release the rest at once.
    if (rest.length)
      await db.outboxMessage.updateMany({
        where: { id: { in: rest.map((r) => r.id) }, dispatchedAt: null },
        data: { availableAt: new Date() },
      });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
