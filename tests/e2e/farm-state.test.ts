// GET /api/v1/queues and /api/v1/workers on a real farm: counts move with the queue, workers
// say what they build, and a token sees only the builds of repositories it reaches.
import { createApiToken } from "@slipway/auth";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

const get = async (path: string, token?: string) => {
  const res = token
    ? await fetch(`${farm.api.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })
    : await farm.apiFetch(path);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};
const buildQueue = async () => (await get("/queues")).queues.find((q: { name: string }) => q.name === "build");

describe("watching the farm", () => {
  it("queue counts, and the worker with what it is building", async () => {
    expect((await get("/queues")).queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(["build", "publish"]));
    // No worker: a push waits in the queue.
    await farm.worker.close();
    expect((await get("/workers")).hosts).toEqual([]);
    const sha = farm.git.commit(
      REPO,
      { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo "farm ${Date.now()}" && sleep 30\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    await eventually(async () => (await buildQueue()).waiting === 1, 20_000, "the build waiting");

    await farm.restartWorker();
    await eventually(
      async () => (await farm.api.db.build.findUniqueOrThrow({ where: { id } })).status === "running",
      60_000,
      "the build running",
    );
    await eventually(async () => (await buildQueue()).active === 1, 20_000, "one active job");
    const { hosts } = await get("/workers");
    expect(hosts).toHaveLength(1);
    expect(hosts[0].host).toBe("e2e-host");
    expect(hosts[0].workers).toHaveLength(1);
    expect(hosts[0].workers[0]).toMatchObject({
      id: "e2e-worker",
      role: "build",
      concurrency: 1,
      running: [{ buildId: id, repository: REPO }],
      runningHidden: 0,
    });
    expect(Date.now() - Date.parse(hosts[0].workers[0].lastHeartbeatAt)).toBeLessThan(60_000);

    const other = await createApiToken(farm.api.db, { name: "elsewhere", scopes: ["read"], repositories: ["someone-else/*"] });
    const hidden = await get("/workers", other.token);
    expect(hidden.hosts[0].workers[0]).toMatchObject({ running: [], runningHidden: 1 });

    expect((await farm.apiFetch(`/builds/${id}/cancel`, { method: "POST" })).status).toBe(202);
    await farm.waitForEnd(id);
    await eventually(async () => (await get("/workers")).hosts[0]?.workers[0]?.running.length === 0, 30_000, "the worker idle");
    // A worker that stops says so at once.
    await farm.worker.close();
    expect((await get("/workers")).hosts).toEqual([]);
    await farm.restartWorker();
  });
});
