// Fault: the internal registry down during a push (every request answered 503 for 15 s, as a
// registry restarting behind its load balancer). The farm reaches it through a proxy of the
// test's own, which takes it "down" at the build's first blob upload. The try fails as the
// farm's failure, is retried, and the build succeeds and is published once the registry is back.
import { randomUUID } from "node:crypto";
import { startFlakyProxy, testEnv, type FlakyProxy } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { checkInvariants, publishesSettled, recordFault } from "./invariants";

const OUTAGE_MS = 15_000;
let proxy: FlakyProxy;
let farm: ProcessFarm;
let downFrom = 0;

beforeAll(async () => {
  proxy = await startFlakyProxy(testEnv.registry, (req) => {
    if (!downFrom && req.method !== "GET" && req.method !== "HEAD" && req.path.includes("/blobs/uploads/")) downFrom = Date.now();
    return downFrom && Date.now() - downFrom < OUTAGE_MS ? { status: 503 } : undefined;
  });
  // Every farm process reaches the internal registry through the proxy only.
  farm = await startProcessFarm({
    name: "fault-registry-down",
    workers: 1,
    env: { api: { SLIPWAY_REGISTRY: proxy.host }, worker: { SLIPWAY_REGISTRY: proxy.host }, publisher: { SLIPWAY_REGISTRY: proxy.host } },
  });
});
afterAll(async () => {
  await farm?.close();
  await proxy?.close();
});

describe("the internal registry down during a push", () => {
  it("the try fails as the farm's, is retried, and the build succeeds and is published once the registry is back", async () => {
    const branch = `reg-${randomUUID().slice(0, 8)}`;
    const sha = farm.git.commit(
      REPO,
      {
        Dockerfile: `FROM ${proxy.host}/base/busybox:1\nCOPY id.txt /id.txt\nRUN sleep 2 && cat /id.txt > /copy.txt\n`,
        "id.txt": `${randomUUID()}\n`,
        ".slipway.yml": `publish:\n  - image: ${testEnv.publishRegistry}/faults/registry-down\n`,
      },
      { branch },
    );
    const buildId = await pushCommit(farm.url, sha, { ref: `refs/heads/${branch}` });
    await eventually(
      async () => (await farm.db.build.findUniqueOrThrow({ where: { id: buildId } })).status === "succeeded",
      180_000,
      "the build to succeed",
    );
    expect(downFrom).toBeGreaterThan(0);
    const injected = proxy.log.filter((r) => r.injected === 503).length;
    expect(injected).toBeGreaterThan(0);
    const attempt = await farm.db.buildAttempt.findFirstOrThrow({ where: { buildId } });
    expect(attempt.tries).toBeGreaterThanOrEqual(2);
    const log = await farm.apiFetch(`/builds/${buildId}/logs`).then((r) => r.text());
    expect(log).toMatch(/infrastructure failure/);
    await eventually(async () => publishesSettled(farm.db, [buildId]), 60_000, "the publish to end");
    const counts = await checkInvariants(farm.db, [buildId], { acknowledged: 1, fiveXX: 0, allowedTries: () => attempt.tries });
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, publishProblems: 0 });
    recordFault("registry-down", "the internal registry down during a push (503 to every request for 15 s)", 1, counts, [
      `${injected} registry requests refused; the build succeeded on try ${attempt.tries} and was published`,
    ]);
  });
});
