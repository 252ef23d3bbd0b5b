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
  /** messages per transaction @defaultValue 100 */
  batchSize?: number;
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
 * Concurrency: any number of relays (one per api replica) may run; rows are claimed with
 * `FOR UPDATE SKIP LOCKED` so each message is handled by one relay at a time, and handlers
 * are idempotent (BullMQ job ids), so a crash between dispatch and the stamp only repeats a
 * no-op. Lifecycle: start() → kick() any time → stop() waits for the running pass.
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

  /** One pass: dispatch what is due. Returns how many messages were dispatched. */
  async runOnce(): Promise<number> {
    const { db, handlers, logger } = this.opts;
    const batch = this.opts.batchSize ?? 100;
    return db.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id, topic, payload, attempts FROM outbox_messages
          WHERE dispatched_at IS NULL AND available_at <= now()
          ORDER BY id LIMIT ${batch}
          FOR UPDATE SKIP LOCKED`;
        let done = 0;
        for (const row of rows) {
          const handler = handlers[row.topic];
          try {
            if (!handler) throw new Error(`no handler for outbox topic "${row.topic}"`);
            await handler(row.payload);
            await tx.outboxMessage.update({ where: { id: row.id }, data: { dispatchedAt: new Date(), attempts: row.attempts + 1, lastError: null } });
            done++;
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            // Short, capped backoff: a Redis outage should drain within seconds of recovery.
            const delayMs = Math.min(1000 * (row.attempts + 1), 10_000);
            await tx.outboxMessage.update({
              where: { id: row.id },
              data: { attempts: row.attempts + 1, lastError: message.slice(0, 1000), availableAt: new Date(Date.now() + delayMs) },
            });
            logger.warn({ outboxId: row.id.toString(), topic: row.topic, attempts: row.attempts + 1, error: message }, "outbox dispatch failed");
            // The usual cause (Redis down) fails every message alike: leave the rest for later.
            break;
          }
        }
        if (done > 0) logger.debug({ dispatched: done }, "outbox dispatched");
        return done;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
  }
}
