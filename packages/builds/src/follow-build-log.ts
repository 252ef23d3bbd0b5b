import { logStreamKey } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import type { Redis } from "ioredis";
import { readLogChunks } from "./read-log-chunks";

export type LogEvent =
  | { kind: "line"; n: number; line: string }
  /** lines from..to were trimmed from the live stream and are not stored yet either (the
   * worker stores them a moment later: GET .../logs has them) */
  | { kind: "gap"; from: number; to: number }
  | { kind: "end"; status: string; attempt: number };

export interface FollowOptions {
  db: Db;
  /** a connection of this follower's own: XREAD BLOCK holds it */
  redis: Redis;
  buildId: string;
  attempt: number;
  /** resume after this line number (SSE Last-Event-ID) @defaultValue 0 */
  after?: number;
  signal: AbortSignal;
  /** how long one blocking read waits before the build's status is checked again, ms @defaultValue 1000 */
  blockMs?: number;
}

const ENDED = new Set(["succeeded", "failed", "cancelled"]);
const BATCH = 1000;

/**
 * A build attempt's log as it happens: every line after `after`, in order, then an "end" event
 * once the attempt has finished and every line was sent. Lines come from the attempt's Redis
 * Stream while the attempt runs; once it has ended, from Postgres (the record), which also
 * fills in anything the live stream missed. The stream keeps only its latest ~10,000 entries
 * (MAXLEN): a follower that starts late or falls behind finds the next entry's number past
 * the line it expects, and reads the lines in between from Postgres; what is not stored yet
 * either is announced as a "gap" event rather than skipped silently.
 */
export async function* followBuildLog(o: FollowOptions): AsyncGenerator<LogEvent> {
  const key = logStreamKey(o.buildId, o.attempt);
  let sent = o.after ?? 0;
  let cursor = "0-0";
  const status = async () =>
    (
      await o.db.buildAttempt.findUnique({
        where: { buildId_attempt: { buildId: o.buildId, attempt: o.attempt } },
        select: { status: true },
      })
    )?.status ?? "queued";

  // An attempt that has ended is complete in Postgres (the worker stores the log before it
  // records the outcome): serve it from there.
  if (ENDED.has(await status())) {
    yield* fromPostgres(o.db, o.buildId, o.attempt, sent);
    yield { kind: "end", status: await status(), attempt: o.attempt };
    return;
  }
  while (!o.signal.aborted) {
    const ended = ENDED.has(await status());
    // Drain what is there, then block for more (the status is checked between reads).
    const res = (await o.redis.xread("COUNT", BATCH, "BLOCK", ended ? 1 : (o.blockMs ?? 1000), "STREAMS", key, cursor)) as
      [string, [string, string[]][]][] | null;
    const entries = res?.[0]?.[1] ?? [];
    for (const [id, fields] of entries) {
      cursor = id;
      const n = Number(fields[fields.indexOf("n") + 1]);
      if (n <= sent) continue;
      if (n > sent + 1) {
        for await (const e of fromPostgres(o.db, o.buildId, o.attempt, sent, n - 1)) {
          sent = e.n;
          yield e;
        }
        if (sent < n - 1) yield { kind: "gap", from: sent + 1, to: n - 1 };
      }
      sent = n;
      yield { kind: "line", n, line: fields[fields.indexOf("l") + 1] ?? "" };
    }
    if (ended && entries.length === 0) {
      // Lines the live stream missed (Redis trouble during the build) are in Postgres.
      for await (const e of fromPostgres(o.db, o.buildId, o.attempt, sent)) yield e;
      yield { kind: "end", status: await status(), attempt: o.attempt };
      return;
    }
  }
}

/** Stored lines after `after`, up to `to`, read a page of chunks at a time. */
async function* fromPostgres(
  db: Db,
  buildId: string,
  attempt: number,
  after: number,
  to = Infinity,
): AsyncGenerator<LogEvent & { kind: "line" }> {
  for await (const c of readLogChunks(db, buildId, attempt, after + 1)) {
    if (c.firstLine > to) return;
    if (c.firstLine + c.lineCount - 1 <= after) continue;
    const lines = c.content.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const n = c.firstLine + i;
      if (n > to) return;
      if (n > after) yield { kind: "line", n, line: lines[i]! };
    }
  }
}
