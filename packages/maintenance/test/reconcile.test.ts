// The reconcilers on real PostgreSQL and Redis: builds and publishes PostgreSQL and the queues
// disagree about are put right; what is fine, or too fresh to judge, is left alone.
import { randomBytes, randomUUID } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createLogger } from "@slipway/logger";
import { createProducers, createRedis, type Producers } from "@slipway/queue";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import { UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileBuilds, reconcilePublishes, type ReconcileDeps } from "../src/index";

const lines: string[] = [];
const logger = createLogger({ name: "reconcile-test", level: "info", destination: { write: (s: string) => void lines.push(s) } as never });
const prefix = `test-reconcile-${randomBytes(4).toString("hex")}`;
let database: TestDatabase;
let db: Db;
let redis: Redis;
let producers: Producers;
let deps: ReconcileDeps;

beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 2 });
  redis = createRedis(testEnv.redisUrl, "producer");
  producers = createProducers(redis, { prefix });
  deps = { db, producers, logger };
});
afterAll(async () => {
  for (const p of [producers.build, producers.publish]) await p.queue.obliterate({ force: true });
  await producers.close();
  redis.disconnect();
  await db.$disconnect();
  await database.drop();
});

/** A build in `status` that has been so for an hour (past any grace). */
async function oldBuild(status: "queued" | "running", runId: string | null = null): Promise<string> {
  const { buildId } = await insertTestBuild(db, status);
  await db.$executeRaw`UPDATE builds SET updated_at = now() - interval '1 hour', started_at = now() - interval '1 hour', run_id = ${runId}::uuid WHERE id = ${buildId}::uuid`;
  return buildId;
}

/** Makes the job `jobId` (already enqueued) fail for good, as a job that stalled out does. */
async function failJob(queue: "build" | "publish", jobId: string, reason: string): Promise<void> {
  const producer = queue === "build" ? producers.build : producers.publish;
  const worker = new Worker(
    queue,
    async (job) => {
      if (job.id === jobId) throw new UnrecoverableError(reason);
    },
    { connection: createRedis(testEnv.redisUrl, "worker"), prefix },
  );
  try {
    for (let i = 0; i < 100 && (await producer.queue.getJobState(jobId)) !== "failed"; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    await worker.close();
  }
  expect(await producer.queue.getJobState(jobId)).toBe("failed");
}

describe("reconcileBuilds", () => {
  it("enqueues a queued build whose job was lost, and leaves alone the ones that are fine", async () => {
    const lost = await oldBuild("queued");
    const waiting = await oldBuild("queued");
    await producers.build.enqueue({ buildId: waiting, attempt: 1 });
    const inOutbox = await oldBuild("queued");
    await db.outboxMessage.create({ data: { topic: "build.enqueue", payload: { buildId: inOutbox, attempt: 1 } } });
    const fresh = (await insertTestBuild(db, "queued")).buildId;

    const r = await reconcileBuilds(deps);
    expect(r).toEqual({ requeued: 1, failed: 0 });
    expect((await producers.build.queue.getJob(lost))?.data).toEqual({ buildId: lost, attempt: 1 });
    for (const id of [inOutbox, fresh]) expect(await producers.build.queue.getJobState(id)).toBe("unknown");
    expect(await reconcileBuilds(deps)).toEqual({ requeued: 0, failed: 0 });
  });

  it("a running build whose worker is gone goes back to the queue: enqueued when its job was lost, not twice when it waits", async () => {
    const lost = await oldBuild("running", randomUUID());
    const requeuedByBull = await oldBuild("running", randomUUID());
    await producers.build.enqueue({ buildId: requeuedByBull, attempt: 1 });

    expect(await reconcileBuilds(deps)).toEqual({ requeued: 2, failed: 0 });
    for (const id of [lost, requeuedByBull]) {
      const b = await db.build.findUniqueOrThrow({ where: { id }, include: { attempts: true } });
      expect(b.status).toBe("queued");
      expect(b.attempts[0]!.status).toBe("queued");
      expect(await producers.build.queue.getJobState(id)).toBe("waiting");
    }
  });

  it("fails a build whose job failed for good without recording, with the job's reason", async () => {
    const id = await oldBuild("running", randomUUID());
    await producers.build.enqueue({ buildId: id, attempt: 1 });
    await failJob("build", id, "job stalled more than allowable limit");
    expect(await reconcileBuilds(deps)).toMatchObject({ failed: 1 });
    const b = await db.build.findUniqueOrThrow({ where: { id }, include: { attempts: true } });
    expect(b).toMatchObject({ status: "failed", errorClass: "infrastructure" });
    expect(b.errorMessage).toContain("job stalled more than allowable limit");
    expect(b.attempts[0]!.status).toBe("failed");
    expect(lines.join("")).toContain("reconciler: build failed, its job had ended");
  });
});

describe("reconcilePublishes", () => {
  it("enqueues the publish of a succeeded build whose job was lost; fails pending tags whose job ended", async () => {
    const lost = (await insertTestBuild(db, "succeeded")).buildId;
    const ended = (await insertTestBuild(db, "succeeded")).buildId;
    for (const buildId of [lost, ended])
      await db.publish.create({ data: { buildId, target: "127.0.0.1:5000/acme/app", tag: "latest", status: "pending" } });
    await db.$executeRaw`UPDATE publishes SET created_at = now() - interval '1 hour'`;
    await producers.publish.enqueue({ buildId: ended, attempt: 1 });
    await failJob("publish", `publish-${ended}-1`, "publisher killed mid-copy, stalled out");

    expect(await reconcilePublishes(deps)).toEqual({ requeued: 1, failed: 1 });
    expect((await producers.publish.queue.getJob(`publish-${lost}-1`))?.data).toEqual({ buildId: lost, attempt: 1 });
    expect(await db.publish.findFirstOrThrow({ where: { buildId: lost } })).toMatchObject({ status: "pending" });
    const row = await db.publish.findFirstOrThrow({ where: { buildId: ended } });
    expect(row.status).toBe("failed");
    expect(row.error).toContain("publisher killed mid-copy");
    // The lost one now has a live job: the next pass leaves it alone.
    expect(await reconcilePublishes(deps)).toEqual({ requeued: 0, failed: 0 });
  });
});

describe("the maintenance lease", () => {
  it("one holder at a time; another takes over once it is released or runs out", async () => {
    const { MaintenanceLoop } = await import("../src/index");
    const runs: string[] = [];
    const loop = (holder: string) =>
      new MaintenanceLoop({
        db,
        logger,
        holder,
        tickMs: 1000,
        leaseMs: 300,
        tasks: [{ name: "t", everyMs: 0, run: async () => (runs.push(holder), {}) }],
      });
    const a = loop("a");
    const b = loop("b");
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    expect(await a.tick()).toBe(true);
    await new Promise((r) => setTimeout(r, 400)); // a's lease runs out (it stopped renewing)
    expect(await b.tick()).toBe(true);
    expect(await a.tick()).toBe(false);
    await b.stop(); // releases
    expect(await a.tick()).toBe(true);
    expect(runs).toEqual(["a", "a", "b", "a"]);
  });
});
