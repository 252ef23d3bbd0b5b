// followBuildLog against the real Redis and a database of this file's own. The log is written
// the way the worker's sink writes it: XADD n/l with MAXLEN ~ to the stream, chunks of whole
// lines to Postgres.
import { logStreamKey } from "@slipway/contracts";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followBuildLog, type LogEvent } from "../src/follow-build-log";

let database: TestDatabase;
let db: Db;
let redis: Redis;
const followers: Redis[] = [];

beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 5 });
  redis = new Redis(testEnv.redisUrl);
});
afterAll(async () => {
  for (const r of [redis, ...followers]) r?.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const MAXLEN = 1000;
const text = (n: number) => `#4 output line ${n}`;

/** Lines from..to into the live stream (trimmed to ~MAXLEN entries, as the sink does). */
async function toStream(buildId: string, from: number, to: number): Promise<void> {
  const p = redis.pipeline();
  for (let n = from; n <= to; n++) p.xadd(logStreamKey(buildId, 1), "MAXLEN", "~", String(MAXLEN), "*", "n", String(n), "l", text(n));
  p.expire(logStreamKey(buildId, 1), 600);
  await p.exec();
}

/** Lines from..to into Postgres, in chunks of 1000 lines. */
async function toRecord(buildId: string, from: number, to: number): Promise<void> {
  const last = await db.buildLogChunk.findFirst({ where: { buildId, attempt: 1 }, orderBy: { seq: "desc" } });
  let seq = last ? last.seq + 1 : 0;
  const data = [];
  for (let first = from; first <= to; first += 1000) {
    const count = Math.min(1000, to - first + 1);
    data.push({
      buildId,
      attempt: 1,
      seq: seq++,
      firstLine: first,
      lineCount: count,
      content: Array.from({ length: count }, (_, i) => text(first + i)).join("\n"),
    });
  }
  await db.buildLogChunk.createMany({ data });
}

const end = (buildId: string) =>
  db.buildAttempt.update({ where: { buildId_attempt: { buildId, attempt: 1 } }, data: { status: "succeeded" } });

function follow(buildId: string, after = 0): AsyncGenerator<LogEvent> {
  const r = new Redis(testEnv.redisUrl);
  followers.push(r);
  return followBuildLog({ db, redis: r, buildId, attempt: 1, after, signal: new AbortController().signal, blockMs: 100 });
}

async function take(events: AsyncGenerator<LogEvent>, count: number): Promise<LogEvent[]> {
  const got: LogEvent[] = [];
  while (got.length < count) {
    const r = await events.next();
    if (r.done) break;
    got.push(r.value);
  }
  return got;
}

const rest = async (events: AsyncGenerator<LogEvent>) => {
  const got: LogEvent[] = [];
  for await (const e of events) got.push(e);
  return got;
};

const numbers = (events: LogEvent[]) => events.flatMap((e) => (e.kind === "line" ? [e.n] : []));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("followBuildLog over a trimmed live stream", () => {
  it("a follower whose position was trimmed away reads the skipped lines from Postgres", async () => {
    const { buildId } = await insertTestBuild(db);
    await toStream(buildId, 1, 100);
    await toRecord(buildId, 1, 100);
    const events = follow(buildId);
    const first = await take(events, 100);
    expect(numbers(first)).toEqual(range(1, 100));

    // The follower pauses (slow client) while the build prints 20,000 lines: the stream keeps
    // ~1000, so the entry after line 100 is long gone when the follower reads again.
    await toStream(buildId, 101, 20_000);
    await toRecord(buildId, 101, 20_000);
    expect(Number((await redis.xrange(logStreamKey(buildId, 1), "-", "+", "COUNT", 1))[0]![1][1])).toBeGreaterThan(18_000);
    await end(buildId);
    const later = await rest(events);
    expect(later.filter((e) => e.kind === "gap")).toEqual([]);
    expect(numbers(later)).toEqual(range(101, 20_000));
    expect(later.filter((e) => e.kind === "line").every((e) => e.kind === "line" && e.line === text(e.n))).toBe(true);
    expect(later.at(-1)).toEqual({ kind: "end", status: "succeeded", attempt: 1 });
  });

  it("a follower starting late (stream already trimmed) gets every line from line 1", async () => {
    const { buildId } = await insertTestBuild(db);
    await toStream(buildId, 1, 12_000);
    await toRecord(buildId, 1, 12_000);
    const events = follow(buildId);
    const got = await take(events, 12_000);
    expect(numbers(got)).toEqual(range(1, 12_000));
    await end(buildId);
    expect(await rest(events)).toEqual([{ kind: "end", status: "succeeded", attempt: 1 }]);
  });

  it("lines trimmed before they were stored are announced as a gap, not skipped silently", async () => {
    const { buildId } = await insertTestBuild(db);
    await toStream(buildId, 1, 5);
    await toRecord(buildId, 1, 5);
    // 6..19 reached neither store yet (the worker's Postgres write lags); 20..25 are live.
    await toStream(buildId, 20, 25);
    const events = follow(buildId);
    const got = await take(events, 12);
    expect(got.map((e) => (e.kind === "line" ? e.n : e))).toEqual([
      1,
      2,
      3,
      4,
      5,
      { kind: "gap", from: 6, to: 19 },
      20,
      21,
      22,
      23,
      24,
      25,
    ]);
  });

  it("an ended attempt is read from Postgres page by page, resuming inside a chunk", async () => {
    const { buildId } = await insertTestBuild(db, "succeeded");
    await toRecord(buildId, 1, 30_000); // 30 chunks: two pages
    const got = await rest(follow(buildId, 12_345));
    expect(numbers(got)).toEqual(range(12_346, 30_000));
    expect(got.at(-1)).toEqual({ kind: "end", status: "succeeded", attempt: 1 });
  });
});
