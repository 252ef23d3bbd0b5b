// The log sink against the real Redis and a database of this file's own.
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildLogSink, type BuildLogSinkOptions } from "../src/build-log-sink";
import { cutLine, MAX_LINE_BYTES } from "../src/cut-line";

let database: TestDatabase;
let db: Db;
let redis: Redis;
const logger = pino({ level: "silent" });

beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 5 });
  redis = new Redis(testEnv.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const sinkFor = (buildId: string, o: Partial<BuildLogSinkOptions> = {}) =>
  new BuildLogSink({ db, redis, logger, buildId, attempt: 1, ...o });
/** The stored log as GET /logs serves it. */
const stored = async (buildId: string) =>
  (await db.buildLogChunk.findMany({ where: { buildId, attempt: 1 }, orderBy: { seq: "asc" } })).map((c) => `${c.content}\n`).join("");
const lines = (text: string) => text.split("\n").slice(0, -1);
/** 99 bytes + newline = 100 stored bytes per line */
const out = (i: number) => `#5 ${String(i).padStart(6, "0")} `.padEnd(99, "x");
const MARKER = "slipway: the log reached its limit of 10000 bytes (SLIPWAY_BUILD_LOG_MAX_MB); further output of this build is not kept";

describe("BuildLogSink limits", () => {
  it("past maxBytes: one marker line, output dropped, notes still kept; size counts stored UTF-8 bytes", async () => {
    const { buildId } = await insertTestBuild(db);
    const sink = sinkFor(buildId, { maxBytes: 10_000 });
    sink.note("slipway: build starts"); // 22 bytes
    for (let i = 1; i <= 300; i++) sink.write(out(i));
    sink.note("slipway: build succeeded");
    await sink.close();

    const text = await stored(buildId);
    const l = lines(text);
    // 22 + 99 * 100 = 9922 bytes fit; the 100th output line would not.
    expect(l.slice(1, -2)).toEqual(Array.from({ length: 99 }, (_, i) => out(i + 1)));
    expect(l.filter((x) => x === MARKER)).toHaveLength(1);
    expect(l.slice(-2)).toEqual([MARKER, "slipway: build succeeded"]);
    expect(Buffer.byteLength(text)).toBe(sink.size);
    expect(sink.size).toBeLessThanOrEqual(10_000 + MARKER.length + 1 + 25);
    expect(sink.lines).toBe(l.length);
  });

  it("resume() carries the byte count on: a retry of the attempt stops at the same limit", async () => {
    const { buildId } = await insertTestBuild(db);
    const first = sinkFor(buildId, { maxBytes: 10_000 });
    for (let i = 1; i <= 60; i++) first.write(out(i)); // 6000 bytes
    await first.close();

    const second = sinkFor(buildId, { maxBytes: 10_000 });
    await second.resume();
    expect(second.size).toBe(6000);
    expect(second.lines).toBe(60);
    for (let i = 61; i <= 300; i++) second.write(out(i));
    await second.close();
    const l = lines(await stored(buildId));
    expect(l).toHaveLength(100 + 1); // 100 lines of 100 bytes, then the marker
    expect(l.at(-2)).toBe(out(100));
    expect(l.at(-1)).toBe(MARKER);

    // A third try (and the publisher's lines) after the limit: no second marker, notes kept.
    const third = sinkFor(buildId, { maxBytes: 10_000 });
    await third.resume();
    expect(third.size).toBe(Buffer.byteLength(await stored(buildId)));
    third.note("slipway: build attempt 1 (try 3)");
    third.write(out(301));
    third.note("slipway: published registry.example/app:main");
    await third.close();
    const after = lines(await stored(buildId));
    expect(after.filter((x) => x === MARKER)).toHaveLength(1);
    expect(after.slice(-3)).toEqual([MARKER, "slipway: build attempt 1 (try 3)", "slipway: published registry.example/app:main"]);
    // Numbered without gaps across the three sinks.
    const chunks = await db.buildLogChunk.findMany({ where: { buildId, attempt: 1 }, orderBy: { seq: "asc" } });
    expect(chunks.map((c) => c.firstLine)).toEqual(chunks.map((_, i) => 1 + chunks.slice(0, i).reduce((s, c) => s + c.lineCount, 0)));
  });

  it("the live stream has a TTL from its first write, before close()", async () => {
    const { buildId } = await insertTestBuild(db);
    const key = `slipway:log:${buildId}:1`;
    const sink = sinkFor(buildId, { flushMs: 20, streamTtlSeconds: 3600 });
    sink.note("slipway: build starts");
    await waitFor(async () => (await redis.exists(key)) === 1);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    await sink.close();
    // Closed: kept only briefly (closedStreamTtlSeconds, 600 by default).
    const closed = await redis.ttl(key);
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThanOrEqual(600);
  });

  it("live lines are cut at 4 KiB (the stored log keeps them to 64 KiB), so a stream's bytes stay bounded", async () => {
    const { buildId } = await insertTestBuild(db);
    const key = `slipway:log:${buildId}:1`;
    const sink = sinkFor(buildId, { flushMs: 20, streamMaxLen: 100 });
    for (let i = 0; i < 300; i++) sink.write(`${i} ${"x".repeat(60 * 1024)}`);
    await sink.close();
    const [, fields] = (await redis.xrevrange(key, "+", "-", "COUNT", 1))[0]!;
    expect(Buffer.byteLength(fields[3]!)).toBeLessThan(4 * 1024 + 64);
    expect(Number(await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0"))).toBeLessThan(2 * 1024 * 1024);
    const stored = await db.buildLogChunk.findMany({ where: { buildId }, orderBy: { seq: "asc" } });
    expect(stored.flatMap((c) => c.content.split("\n")).filter((l) => l.length > 60 * 1024)).toHaveLength(300);
  });

  it("every XADD trims the stream to about streamMaxLen entries; Postgres keeps every line", async () => {
    const { buildId } = await insertTestBuild(db);
    const key = `slipway:log:${buildId}:1`;
    const sink = sinkFor(buildId, { streamMaxLen: 1000 });
    for (let i = 1; i <= 20_000; i++) sink.write(`line ${i}`);
    await sink.close();
    const len = await redis.xlen(key);
    // "~": Redis drops whole stream nodes only (stream-node-max-entries, 100 by default).
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThanOrEqual(1100);
    const [latest] = await redis.xrevrange(key, "+", "-", "COUNT", 1);
    expect(latest![1]).toEqual(["n", "20000", "l", "line 20000"]);
    const l = lines(await stored(buildId));
    expect(l).toHaveLength(20_000);
    expect(l.at(-1)).toBe("line 20000");
  });

  it("cuts a line longer than 64 KiB with a visible suffix, never inside a character", async () => {
    const { buildId } = await insertTestBuild(db);
    const sink = sinkFor(buildId, { secrets: ["hunter22secret"] });
    sink.write("x".repeat(200_000));
    sink.write(`#3 ${"é".repeat(50_000)}`); // 2 bytes each: 100,003 bytes
    sink.write(`#3 token=hunter22secret ${"y".repeat(MAX_LINE_BYTES)}`);
    sink.write("two\nlines");
    await sink.close();
    const [a, b, c, ...rest] = lines(await stored(buildId));
    expect(a).toBe(`${"x".repeat(MAX_LINE_BYTES)} [slipway: line cut at 64 KiB]`);
    expect(b).toMatch(/^#3 (é)+ \[slipway: line cut at 64 KiB\]$/);
    expect(Buffer.byteLength(b!)).toBeLessThanOrEqual(MAX_LINE_BYTES + 30);
    expect(c).toMatch(/^#3 token=\*\*\* y+ \[slipway: line cut at 64 KiB\]$/);
    expect(rest).toEqual(["two", "lines"]);
    const chunk = await db.buildLogChunk.findFirstOrThrow({ where: { buildId, attempt: 1 } });
    expect(chunk.lineCount).toBe(5);
  });

  it("cutLine leaves lines that fit alone", () => {
    expect(cutLine("short")).toBe("short");
    expect(cutLine("é".repeat(MAX_LINE_BYTES / 2))).toBe("é".repeat(MAX_LINE_BYTES / 2));
    expect(cutLine("ab€", 4)).toBe("ab [slipway: line cut at 4 bytes]");
  });
});

async function waitFor(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
