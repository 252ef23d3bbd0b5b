// Fault: Redis stopped for 30 s in the middle of a burst of 1,000 signed push deliveries, and
// back empty (a Redis without persistence that restarted: every queued job lost). Deliveries
// are still acknowledged (PostgreSQL is the record); the outbox relay and the reconciler put
// every build on the queue again, and each runs exactly once.
import { TestRedis } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { SignedPushes } from "../bench/signed-pushes";
import { REPO } from "../e2e/push-payload";
import { checkInvariants, recordFault } from "./invariants";
import { leftBehind } from "./process-tree";

const DELIVERIES = 1000;
const SPREAD_MS = 40_000;
const OUTAGE = { fromMs: 5_000, forMs: 30_000 };
let redis: TestRedis;
let farm: ProcessFarm;

beforeAll(async () => {
  redis = await TestRedis.start();
  farm = await startProcessFarm({
    name: "fault-redis-outage",
    workers: 3,
    redisUrl: redis.url,
    env: { api: { SLIPWAY_MAINTENANCE_TICK_MS: "1000", SLIPWAY_RECONCILE_GRACE_MS: "5000" }, worker: { SLIPWAY_BUILD_LOCK_MS: "5000" } },
  });
});
afterAll(async () => {
  await redis?.start(); // so the farm's processes can shut down cleanly
  await farm?.close();
  await redis?.destroy();
});

describe("Redis stopped for 30 s during a burst of 1,000 deliveries", () => {
  it("every acknowledged delivery is built exactly once after Redis is back", async () => {
    // A commit whose build fails at once, as a user's mistake (.slipway.yml refused): the
    // fault is in the hand-off to the queue, and 1,000 real image builds would take half an hour.
    const sha = farm.git.commit(REPO, { ".slipway.yml": "publish: not-a-list\n", Dockerfile: "FROM scratch\n" });
    const pushes = new SignedPushes(WEBHOOK_SECRET);
    const answers: { status: number; buildId: string | null }[] = [];
    const start = performance.now();
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, OUTAGE.fromMs));
      await redis.stop();
      await new Promise((r) => setTimeout(r, OUTAGE.forMs));
      await redis.start();
    })();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < DELIVERIES; i++) {
      const due = start + (i * SPREAD_MS) / DELIVERIES;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sends.push(
        pushes.post(farm.url, sha).then(
          (a) => void answers.push(a),
          () => void answers.push({ status: 0, buildId: null }),
        ),
      );
    }
    await Promise.all(sends);
    await outage;

    const acknowledged = answers.filter((a) => a.status >= 200 && a.status < 300);
    const buildIds = acknowledged.map((a) => a.buildId).filter((id): id is string => id !== null);
    const fiveXX = answers.filter((a) => a.status >= 500 && a.status !== 503).length;
    expect(fiveXX).toBe(0);
    expect(acknowledged.length).toBe(DELIVERIES);
    expect(new Set(buildIds).size).toBe(DELIVERIES);

    await eventually(
      async () => (await farm.db.build.count({ where: { id: { in: buildIds }, status: { in: ["queued", "running"] } } })) === 0,
      8 * 60_000,
      "every build to end",
    );
    const builds = await farm.db.build.groupBy({ by: ["status", "errorClass"], where: { id: { in: buildIds } }, _count: true });
    expect(builds).toEqual([{ status: "failed", errorClass: "user", _count: DELIVERIES }]);
    const counts = await checkInvariants(farm.db, buildIds, { acknowledged: acknowledged.length, fiveXX });
    // Every build ended: no worker has a git or buildx process left.
    const left = await leftBehind(farm);
    counts.leaked = left.length;
    expect(left).toEqual([]);
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, leaked: 0 });
    const relayed = await farm.db.outboxMessage.count({ where: { attempts: { gt: 1 } } });
    recordFault("redis-outage", "Redis stopped for 30 s during a burst of 1,000 signed deliveries, back empty", DELIVERIES, counts, [
      `${relayed} outbox rows needed more than one dispatch`,
    ]);
  });
});
