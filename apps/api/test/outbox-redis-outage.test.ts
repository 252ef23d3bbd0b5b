import { randomUUID } from "node:crypto";
import { branchPushExample, postDelivery, TestRedis, withNewPush } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestApi, WEBHOOK_SECRET, type TestApi } from "./harness";

const push = branchPushExample();

// A Redis of this test's own, so stopping it disturbs no other test.
let redis: TestRedis;
let api: TestApi;
beforeAll(async () => {
  redis = await TestRedis.start();
  api = await startTestApi({ redisUrl: redis.url, pollIntervalMs: 200 });
});
afterAll(async () => {
  await api?.close();
  await redis?.destroy();
});

describe("Redis down while deliveries arrive", () => {
  it("answers every delivery 202, then enqueues every build exactly once when Redis returns", async () => {
    // One build while Redis is up: enqueued at once.
    const before = await postDelivery(api.url, { event: "push", payload: withNewPush(push), secret: WEBHOOK_SECRET });
    expect(before.status).toBe(202);
    await eventually(async () => (await api.queue.queue.count()) === 1, 20_000, "first job");

    await redis.stop();
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not_ready", checks: { postgres: "ok", redis: "unavailable" } });

    const during = await Promise.all(
      Array.from({ length: 10 }, () =>
        postDelivery(api.url, { event: "push", payload: withNewPush(push), secret: WEBHOOK_SECRET, deliveryId: randomUUID() }),
      ),
    );
    for (const r of during) {
      expect(r.status).toBe(202);
      expect(r.body.outcome).toBe("build_queued");
    }
    const duringIds = during.map((r) => r.body.buildId as string);
    // Stored durably, not yet dispatched; the relay has tried and recorded why it could not.
    expect(await api.db.build.count({ where: { id: { in: duringIds } } })).toBe(10);
    await eventually(
      async () => (await api.db.outboxMessage.count({ where: { dispatchedAt: null, attempts: { gt: 0 } } })) > 0,
      10_000,
      "a failed dispatch attempt",
    );
    expect(await api.db.outboxMessage.count({ where: { dispatchedAt: null } })).toBe(10);

    await redis.start(); // empty: Redis lost everything, as a restarted non-persistent Redis does
    await eventually(async () => (await api.db.outboxMessage.count({ where: { dispatchedAt: null } })) === 0, 30_000, "outbox drained");
    const jobs = await api.queue.queue.getJobs(["waiting", "active", "delayed", "completed", "failed"]);
    const jobIds = jobs.map((j) => j.id).sort();
    expect(jobIds).toEqual([...duringIds].sort());
    for (const j of jobs) expect(j.data).toEqual({ buildId: j.id, attempt: 1 });

    // A second relay pass over already-dispatched rows adds nothing.
    await api.relay.runOnce();
    expect(await api.queue.queue.count()).toBe(10);
    const ready2 = await fetch(`${api.url}/readyz`);
    expect(ready2.status).toBe(200);
  });

  it("an api started while Redis is down answers 202 and enqueues once Redis is up", async () => {
    await redis.stop();
    const late = await startTestApi({ redisUrl: redis.url, pollIntervalMs: 200 });
    try {
      const res = await postDelivery(late.url, { event: "push", payload: withNewPush(push), secret: WEBHOOK_SECRET });
      expect(res.status).toBe(202);
      await eventually(
        async () => (await late.db.outboxMessage.count({ where: { attempts: { gt: 0 } } })) > 0,
        20_000,
        "a failed dispatch attempt",
      );
      expect(await late.db.outboxMessage.count({ where: { dispatchedAt: null } })).toBe(1);
      await redis.start();
      await eventually(async () => (await late.db.outboxMessage.count({ where: { dispatchedAt: null } })) === 0, 30_000, "outbox drained");
      expect((await late.queue.queue.getJob(res.body.buildId))?.data).toEqual({ buildId: res.body.buildId, attempt: 1 });
    } finally {
      await redis.start(); // no-op when already up
      await late.close();
    }
  });

  it("an outbox row dispatched twice (crash before the stamp) still makes one job", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: withNewPush(push), secret: WEBHOOK_SECRET });
    await eventually(async () => (await api.db.outboxMessage.count({ where: { dispatchedAt: null } })) === 0, 20_000, "dispatch");
    const countBefore = await api.queue.queue.count();
    // Simulate a relay that enqueued but died before stamping the row, once its lease ended.
    await api.db.outboxMessage.updateMany({
      where: { payload: { equals: { buildId: res.body.buildId, attempt: 1 } } },
      data: { dispatchedAt: null, availableAt: new Date() },
    });
    await api.relay.runOnce();
    expect(await api.queue.queue.count()).toBe(countBefore);
    expect(await api.db.outboxMessage.count({ where: { dispatchedAt: null } })).toBe(0);
  });

  it("rows of one topic are enqueued together, and a row that cannot be dispatched backs off alone", async () => {
    const good = [randomUUID(), randomUUID(), randomUUID()];
    const countBefore = await api.queue.queue.count();
    // Written in one statement, so one relay pass sees them together: good, bad, good, good.
    const rows = [good[0], "not-a-uuid", good[1], good[2]].map((buildId) => ({ topic: "build.enqueue", payload: { buildId, attempt: 1 } }));
    await api.db.outboxMessage.createMany({ data: rows });
    await eventually(
      async () => (await api.db.outboxMessage.count({ where: { dispatchedAt: null, attempts: { gt: 0 } } })) === 1,
      20_000,
      "the bad row's failed attempt",
    );
    await eventually(
      async () => (await api.db.outboxMessage.count({ where: { dispatchedAt: null, attempts: 0 } })) === 0,
      20_000,
      "the rest",
    );
    for (const id of good) expect((await api.queue.queue.getJob(id))?.data).toEqual({ buildId: id, attempt: 1 });
    expect(await api.queue.queue.count()).toBe(countBefore + 3);
    const bad = await api.db.outboxMessage.findFirstOrThrow({ where: { dispatchedAt: null } });
    expect(bad.payload).toEqual({ buildId: "not-a-uuid", attempt: 1 });
    expect(bad.lastError).toMatch(/buildId|uuid/i);
    await api.db.outboxMessage.delete({ where: { id: bad.id } });
  });
});
