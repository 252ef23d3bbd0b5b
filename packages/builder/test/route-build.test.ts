// Routing decisions on real PostgreSQL (which hosts built a repository) and real Redis (the
// workers' heartbeats: which hosts are up and have a free slot).
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createRedis, WorkerHeartbeat } from "@slipway/queue";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideRoute } from "../src/route-build";

let database: TestDatabase;
let db: Db;
let redis: Redis;
const prefix = `route-${randomBytes(4).toString("hex")}`;
const beats: WorkerHeartbeat[] = [];
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 2 });
  redis = createRedis(testEnv.redisUrl, "producer");
});
afterAll(async () => {
  for (const b of beats) await b.stop();
  redis.disconnect();
  await db.$disconnect();
  await database.drop();
});

const HOUR = 3600_000;
/** A repository with a build that ran on `host` `agoMs` ago (or none). */
async function repositoryBuiltOn(host: string | undefined, agoMs = 60_000, coalesced = false) {
  const { buildId } = await insertTestBuild(db, "succeeded");
  const at = new Date(Date.now() - agoMs);
  const b = await db.build.update({
    where: { id: buildId },
    data: host ? { host, startedAt: at, createdAt: at, ...(coalesced ? { coalescedFromId: buildId } : {}) } : {},
    include: { repository: true },
  });
  return { repositoryId: b.repositoryId, repository: b.repository.fullName };
}
/** A live build worker on `host` running `busy` of its `slots` builds. */
async function worker(host: string, busy: number, slots = 1, problem?: string) {
  const id = `${host}-${randomBytes(3).toString("hex")}`;
  const running = Array.from({ length: busy }, (_, i) => ({ buildId: `b${i}`, repository: "x/y" }));
  const hb = new WorkerHeartbeat(redis, { workerId: id, host, role: "build", concurrency: slots }, () => running, prefix);
  beats.push(hb);
  if (problem) hb.setProblem(problem);
  await hb.beat();
  return hb;
}
const route = (repo: { repositoryId: string; repository: string }, host: string, waitedMs: number, waitMs = 5_000) =>
  decideRoute({ db, redis, prefix }, { ...repo, host, queuedAtMs: Date.now() - waitedMs, waitMs, affinityMs: 24 * HOUR });

describe("decideRoute", () => {
  it("takes a build of a repository no host built, or one this host built", async () => {
    expect(await route(await repositoryBuiltOn(undefined), "h1", 0)).toMatchObject({ kind: "take", routing: "any" });
    expect(await route(await repositoryBuiltOn("h1"), "h1", 0)).toMatchObject({ kind: "take", routing: "affine" });
    // Too long ago, or a coalesced build (it ran no BuildKit there): no affinity.
    expect(await route(await repositoryBuiltOn("h1", 25 * HOUR), "h2", 0)).toMatchObject({ kind: "take", routing: "any" });
    expect(await route(await repositoryBuiltOn("h1", 60_000, true), "h2", 0)).toMatchObject({ kind: "take", routing: "any" });
  });

  it("gives a build back while a host that built it is up with a free slot, or busy within the wait", async () => {
    const host = `warm-${randomBytes(3).toString("hex")}`;
    const repo = await repositoryBuiltOn(host);
    // Not up at all: no reason to wait.
    expect(await route(repo, "cold", 0)).toMatchObject({ kind: "take", routing: "fallback" });
    // Up, reporting a problem (its daemon is down): the same.
    const sick = await worker(host, 0, 1, "Docker daemon down");
    expect(await route(repo, "cold", 0)).toMatchObject({ kind: "take", routing: "fallback" });
    await sick.stop();
    // Up and free: given back at once, within the wait (0: routing off).
    const hb = await worker(host, 0, 2);
    expect(await route(repo, "cold", 0)).toMatchObject({ kind: "defer", delayMs: 0 });
    expect(await route(repo, "cold", 0, 0)).toMatchObject({ kind: "take", routing: "fallback" });
    await hb.stop();
    // Up and busy: given back within the wait, taken after it.
    await worker(host, 2, 2);
    expect(await route(repo, "cold", 1_000)).toMatchObject({ kind: "defer", delayMs: 500 });
    expect(await route(repo, "cold", 4_800)).toMatchObject({ kind: "defer" });
    const after = await route(repo, "cold", 5_000);
    expect(after).toMatchObject({ kind: "take", routing: "fallback" });
    expect(after.kind === "take" && after.why).toBe(`queued 5 s: the hosts that built ${repo.repository} were busy`);
  });
});
