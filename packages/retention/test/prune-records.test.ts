// pruneRecords against a real PostgreSQL database: exactly the old rows go, summaries stay.
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pruneRecords, PRUNED_PAYLOAD, type RetentionPolicy } from "../src/index";

const DAY = 86_400_000;
const NOW = new Date("2026-11-28T12:00:00Z");
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const policy: RetentionPolicy = { logsDays: 30, payloadsDays: 14, outboxDays: 7 };

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 3 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});
beforeEach(async () => {
  await db.$executeRaw`TRUNCATE build_log_chunks, build_steps, build_attempts, builds, webhook_deliveries, outbox_messages, maintenance_marks, repositories CASCADE`;
});

/** A build finished `finishedDaysAgo` (null: still running) with `chunks` log chunks and one step. */
async function buildWithLog(finishedDaysAgo: number | null, chunks: number): Promise<string> {
  const { buildId } = await insertTestBuild(db, finishedDaysAgo === null ? "running" : "succeeded");
  const finishedAt = finishedDaysAgo === null ? null : ago(finishedDaysAgo);
  const createdAt = ago((finishedDaysAgo ?? 0) + 0.01);
  await db.build.update({ where: { id: buildId }, data: { createdAt, finishedAt } });
  await db.buildStep.create({ data: { buildId, attempt: 1, index: 0, vertexDigest: "sha256:a", name: "RUN true" } });
  await db.buildLogChunk.createMany({
    data: Array.from({ length: chunks }, (_, seq) => ({
      buildId,
      attempt: 1,
      seq,
      firstLine: seq + 1,
      lineCount: 1,
      content: `line ${seq}`,
    })),
  });
  return buildId;
}

/** A delivery received `daysAgo` (its UUIDv7 id made then, as the api makes it). */
async function delivery(daysAgo: number): Promise<string> {
  const at = ago(daysAgo);
  const row = await db.webhookDelivery.create({
    data: {
      id: uuidv7({ msecs: at.getTime() }),
      githubDelivery: randomBytes(8).toString("hex"),
      event: "push",
      outcome: "ignored",
      reason: "test",
      payload: { ref: "refs/heads/main", big: "x".repeat(200) },
      receivedAt: at,
    },
  });
  return row.id;
}

async function outbox(dispatchedDaysAgo: number | null, createdDaysAgo = 60): Promise<bigint> {
  const row = await db.outboxMessage.create({
    data: {
      topic: "build.enqueue",
      payload: {},
      createdAt: ago(createdDaysAgo),
      dispatchedAt: dispatchedDaysAgo === null ? null : ago(dispatchedDaysAgo),
    },
  });
  return row.id;
}

const chunkCount = (buildId: string) => db.buildLogChunk.count({ where: { buildId } });
const payloadOf = async (id: string) => (await db.webhookDelivery.findUniqueOrThrow({ where: { id } })).payload;

describe("pruneRecords", () => {
  it("removes exactly the old log chunks, payloads and dispatched outbox rows; summaries stay", async () => {
    const oldBuild = await buildWithLog(31, 5);
    const recentBuild = await buildWithLog(29, 4);
    // created long ago but still running: finished_at decides, not created_at
    const running = await buildWithLog(null, 3);
    await db.build.update({ where: { id: running }, data: { createdAt: ago(90) } });
    const oldDeliveries = [await delivery(40), await delivery(15)];
    const newDeliveries = [await delivery(13), await delivery(1)];
    const oldOutbox = await outbox(8);
    const newOutbox = await outbox(6);
    const undispatched = await outbox(null);

    const r = await pruneRecords(db, policy, NOW);
    expect(r).toEqual({ logChunks: 5, payloads: 2, outboxRows: 1, complete: true });

    expect(await chunkCount(oldBuild)).toBe(0);
    expect(await chunkCount(recentBuild)).toBe(4);
    expect(await chunkCount(running)).toBe(3);
    // the build keeps its summary
    const summary = await db.build.findUniqueOrThrow({ where: { id: oldBuild }, include: { attempts: true, steps: true } });
    expect(summary.status).toBe("succeeded");
    expect(summary.attempts).toHaveLength(1);
    expect(summary.steps).toHaveLength(1);

    for (const id of oldDeliveries) expect(await payloadOf(id)).toEqual(JSON.parse(PRUNED_PAYLOAD));
    for (const id of newDeliveries) expect(await payloadOf(id)).toMatchObject({ ref: "refs/heads/main" });
    expect(await db.webhookDelivery.count()).toBe(4);
    const kept = await db.webhookDelivery.findUniqueOrThrow({ where: { id: oldDeliveries[0]! } });
    expect(kept).toMatchObject({ outcome: "ignored", reason: "test", event: "push" });

    const outboxIds = (await db.outboxMessage.findMany({ orderBy: { id: "asc" } })).map((o) => o.id);
    expect(outboxIds).toEqual([newOutbox, undispatched]);
    expect(outboxIds).not.toContain(oldOutbox);

    expect(await pruneRecords(db, policy, NOW)).toEqual({ logChunks: 0, payloads: 0, outboxRows: 0, complete: true });
  });

  it("resumes after the pruned deliveries as time moves on", async () => {
    const ids = [];
    for (const days of [60, 50, 40, 30, 20, 16, 12, 10, 5]) ids.push(await delivery(days));
    expect((await pruneRecords(db, policy, NOW)).payloads).toBe(6);
    // five days on, the cutoff is 9 days before NOW: the 12- and 10-day-old payloads go
    expect((await pruneRecords(db, policy, new Date(NOW.getTime() + 5 * DAY))).payloads).toBe(2);
    const payloads = await Promise.all(ids.map(payloadOf));
    expect(payloads.map((p) => JSON.stringify(p) === JSON.stringify(JSON.parse(PRUNED_PAYLOAD)))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it("works through more rows than one batch", async () => {
    // 12 old builds (more than one page of builds) holding 35 chunks, one with more than a batch
    const builds = [await buildWithLog(40, 13)];
    for (let i = 0; i < 11; i++) builds.push(await buildWithLog(31 + i, 2));
    const keep = await buildWithLog(1, 3);
    for (let i = 0; i < 35; i++) await delivery(20 + i / 10);
    for (let i = 0; i < 35; i++) await outbox(10);
    await outbox(1);

    const r = await pruneRecords(db, { ...policy, batchSize: 10 }, NOW);
    expect(r).toEqual({ logChunks: 35, payloads: 35, outboxRows: 35, complete: true });
    expect(await db.buildLogChunk.count()).toBe(3);
    expect(await chunkCount(keep)).toBe(3);
    expect(await db.webhookDelivery.count({ where: { payload: { equals: JSON.parse(PRUNED_PAYLOAD) } } })).toBe(35);
    expect(await db.outboxMessage.count()).toBe(1);
    expect(await pruneRecords(db, { ...policy, batchSize: 10 }, NOW)).toEqual({ logChunks: 0, payloads: 0, outboxRows: 0, complete: true });
  });

  it("visits each build once, when it passes the cutoff; a retried build comes round again when its new finish does", async () => {
    const old = await buildWithLog(31, 2);
    const retried = await buildWithLog(29, 2);
    expect((await pruneRecords(db, policy, NOW)).logChunks).toBe(2);
    // A chunk written to the old build after the run (not something the farm does) shows the
    // build is not read again: the next run starts past it.
    await db.buildLogChunk.create({ data: { buildId: old, attempt: 1, seq: 99, firstLine: 99, lineCount: 1, content: "late" } });
    // The other build is retried: it finishes again two days later, its log grows.
    await db.build.update({ where: { id: retried }, data: { finishedAt: ago(27) } });
    await db.buildLogChunk.create({ data: { buildId: retried, attempt: 2, seq: 0, firstLine: 1, lineCount: 1, content: "retry" } });
    // Two days on, the first finish (29 days before NOW) has passed the cutoff, the second not yet.
    expect((await pruneRecords(db, policy, new Date(NOW.getTime() + 2 * DAY))).logChunks).toBe(0);
    expect(await chunkCount(retried)).toBe(3);
    // Four days on, the second finish has passed it too: all three chunks go.
    expect((await pruneRecords(db, policy, new Date(NOW.getTime() + 4 * DAY))).logChunks).toBe(3);
    expect(await chunkCount(old)).toBe(1);
  });

  it("stops at its time budget and says so", async () => {
    await buildWithLog(40, 2);
    expect(await pruneRecords(db, { ...policy, timeBudgetMs: 0 }, NOW)).toEqual({
      logChunks: 0,
      payloads: 0,
      outboxRows: 0,
      complete: false,
    });
    expect((await pruneRecords(db, policy, NOW)).logChunks).toBe(2);
  });
});
