import { randomUUID } from "node:crypto";
import { branchPushExample, postDelivery, withNewPush } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestApi, storedCounts, WEBHOOK_SECRET, type TestApi } from "./harness";

const push = branchPushExample();

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("deliveries are deduped on X-GitHub-Delivery", () => {
  it("the same delivery posted 20 times concurrently makes exactly one build", async () => {
    const deliveryId = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postDelivery(api.url, { event: "push", payload: push, secret: WEBHOOK_SECRET, deliveryId })),
    );
    for (const r of responses) expect(r.status).toBe(202);
    const buildIds = new Set(responses.map((r) => r.body.buildId));
    expect(buildIds.size).toBe(1);
    expect([...buildIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(responses.filter((r) => r.body.duplicate === true)).toHaveLength(19);
    expect(await storedCounts(api.db)).toEqual({ deliveries: 1, builds: 1, outbox: 1, repositories: 1 });
    await eventually(async () => (await api.queue.queue.count()) === 1, 20_000, "one job");
    const jobs = await api.queue.queue.getJobs(["waiting", "active", "delayed", "completed", "failed"]);
    expect(jobs.map((j) => j.id)).toEqual([...buildIds]);
  });

  it("a redelivery later answers with the first build, marked duplicate", async () => {
    const deliveryId = randomUUID();
    const payload = withNewPush(push);
    const first = await postDelivery(api.url, { event: "push", payload, secret: WEBHOOK_SECRET, deliveryId });
    const again = await postDelivery(api.url, { event: "push", payload, secret: WEBHOOK_SECRET, deliveryId });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(await api.db.build.count({ where: { delivery: { githubDelivery: deliveryId } } })).toBe(1);
  });
});
