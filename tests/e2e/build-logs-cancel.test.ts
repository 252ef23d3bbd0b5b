import { execFileSync } from "node:child_process";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm({ timeoutMs: 8_000 });
});
afterAll(async () => {
  await farm?.close();
});

const api = (path: string, init: RequestInit = {}) => farm.apiFetch(path, init);
const build = (id: string) => farm.api.db.build.findUniqueOrThrow({ where: { id } });
const waitForEnd = (id: string) => farm.waitForEnd(id);
/** PIDs of buildx processes building this build's image (its process group included). */
const buildxPids = (id: string) => {
  try {
    return execFileSync("pgrep", ["-f", `build-${id}`], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
};

describe("build logs", () => {
  it("keeps all 100,000 lines a RUN step prints, in order", async () => {
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "nonce ${Date.now()}" && seq 1 100000\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    const b = await waitForEnd(id);
    expect(b.errorMessage).toBeNull();
    expect(b.status).toBe("succeeded");
    const log = await (await api(`/builds/${id}/logs`)).text();
    // The RUN step's output lines are "#<n> <line>"; pick them out and check 1..100000 in order.
    const runVertex = /#(\d+) \[2\/2\] RUN echo "nonce/.exec(log)![1];
    const numbers = log
      .split("\n")
      .filter((l) => l.startsWith(`#${runVertex} `))
      .map((l) => l.slice(runVertex!.length + 2))
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    expect(numbers).toHaveLength(100_000);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    // Streamed live to Redis line by line (the same lines), the latest ~10,000 kept (MAXLEN ~),
    // for a day after the build.
    const lines = log.split("\n").length - 1;
    const xlen = await farm.api.redis.xlen(`slipway:log:${id}:1`);
    expect(xlen).toBeGreaterThanOrEqual(2_000);
    expect(xlen).toBeLessThanOrEqual(2_100);
    expect(await farm.api.redis.ttl(`slipway:log:${id}:1`)).toBeGreaterThan(0);
    const [latest] = await farm.api.redis.xrevrange(`slipway:log:${id}:1`, "+", "-", "COUNT", 1);
    expect(latest![1]).toEqual(["n", String(lines), "l", log.split("\n")[lines - 1]]);
    // Stored in chunks of whole lines, numbered without gaps.
    const chunks = await farm.api.db.buildLogChunk.findMany({ where: { buildId: id, attempt: 1 }, orderBy: { seq: "asc" } });
    expect(chunks.length).toBeGreaterThan(50);
    let next = 1;
    for (const c of chunks) {
      expect(c.firstLine).toBe(next);
      expect(c.content.split("\n")).toHaveLength(c.lineCount);
      next += c.lineCount;
    }
  });
});

describe("cancel and timeout", () => {
  it("cancelling a running build kills its buildx process group and ends it cancelled", async () => {
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "start ${Date.now()}" && sleep 120\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    await eventually(async () => (await build(id)).status === "running" && buildxPids(id).length > 0, 60_000, "buildx running");
    const res = await api(`/builds/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(((await res.json()) as any).status).toBe("cancelled");
    await eventually(async () => buildxPids(id).length === 0, 30_000, "buildx process group gone");
    const b = await waitForEnd(id);
    expect(b.status).toBe("cancelled");
    expect(b.errorClass).toBeNull();
    const attempt = await farm.api.db.buildAttempt.findUniqueOrThrow({ where: { buildId_attempt: { buildId: id, attempt: 1 } } });
    expect(attempt.status).toBe("cancelled");
    // A cancel is final for this attempt: the job is not retried, nothing is published.
    await eventually(
      async () => (await (await api(`/builds/${id}/logs`)).text()).includes("slipway: build cancelled while building"),
      30_000,
      "cancel logged",
    );
    expect(await farm.api.db.publish.count({ where: { buildId: id } })).toBe(0);
    // Cancelling again is a conflict; retrying a cancelled build is allowed.
    expect((await api(`/builds/${id}/cancel`, { method: "POST" })).status).toBe(409);
  });

  it("a cancelled queued build is skipped by the worker, and a retry builds it as attempt 2", async () => {
    await farm.worker.close(); // nothing consumes the queue: the build stays queued
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "queued ${Date.now()}"\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    await eventually(async () => (await farm.api.queue.queue.getJob(id)) !== undefined, 20_000, "job enqueued");
    const res = await api(`/builds/${id}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    await farm.restartWorker();
    await eventually(async () => (await farm.api.queue.queue.getJob(id))?.finishedOn !== undefined, 30_000, "job processed");
    expect((await farm.api.queue.queue.getJob(id))!.returnvalue).toEqual({ outcome: "skipped" });
    const b = await build(id);
    expect(b.status).toBe("cancelled");
    expect(b.startedAt).toBeNull();
    expect(await farm.api.db.buildStep.count({ where: { buildId: id } })).toBe(0);

    const retry = await api(`/builds/${id}/retry`, { method: "POST" });
    expect(retry.status).toBe(202);
    const done = await waitForEnd(id);
    expect(done.status).toBe("succeeded");
    expect(done.attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, "cancelled"],
      [2, "succeeded"],
    ]);
  });

  it("a worker shutting down stops its build after the grace period; the build runs again elsewhere", async () => {
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "shutdown ${Date.now()}" && sleep 3\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    await eventually(async () => (await build(id)).status === "running" && buildxPids(id).length > 0, 60_000, "buildx running");
    await farm.worker.close({ graceMs: 300 });
    expect(buildxPids(id)).toEqual([]);
    const between = await build(id);
    expect(between.status).toBe("queued");
    expect(between.errorClass).toBeNull();
    expect(between.errorMessage).toBe("the worker stopped (shutdown) while building");
    await farm.restartWorker();
    const done = await waitForEnd(id);
    expect(done.status).toBe("succeeded");
    expect(done.errorMessage).toBeNull();
    expect(done.attempts[0]).toMatchObject({ attempt: 1, status: "succeeded", tries: 2 });
    // The interrupted try did not use up one of the job's attempts.
    expect((await farm.api.queue.queue.getJob(id))!.attemptsMade).toBe(1);
    const log = await (await api(`/builds/${id}/logs`)).text();
    expect(log).toMatch(/slipway: the worker stopped \(shutdown\) while building after [\d.]+s; the build goes back to the queue/);
    expect(log).toContain("(try 2)");
  });

  it("a build over the timeout is stopped and failed with a message", async () => {
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "slow ${Date.now()}" && sleep 120\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    const b = await waitForEnd(id);
    expect(b.status).toBe("failed");
    expect(b.errorClass).toBe("user");
    expect(b.errorMessage).toBe("build exceeded the timeout of 8 s and was stopped");
    expect(buildxPids(id)).toEqual([]);
  });
});
