import { freePort, startFlakyProxy, testEnv } from "@slipway/testing";
import { eventually } from "../../apps/api/test/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, PUSH_EXAMPLE, pushCommit, REPO } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;

let farm: TestFarm;
/** a registry address where nothing listens: publishing there fails as the network's fault */
let dead = "";
beforeAll(async () => {
  dead = `127.0.0.1:${await freePort()}`;
  // Listed as public (no credentials), so the publish reaches the network and fails there.
  farm = await startTestFarm({ buildAttempts: 3, publicPublishHosts: [testEnv.publishRegistry, dead] });
});
afterAll(async () => {
  await farm?.close();
});

const api = (path: string, init: RequestInit = {}) => farm.apiFetch(path, init);
const waitForEnd = (id: string) => farm.waitForEnd(id);
async function buildFiles(files: Record<string, string | null>) {
  const sha = farm.git.commit(REPO, files, { branch: BRANCH });
  const id = await pushCommit(farm.api.url, sha);
  return { id, build: await waitForEnd(id) };
}
async function jobOf(id: string, attempt = 1) {
  const job = await farm.api.queue.queue.getJob(attempt === 1 ? id : `${id}-attempt-${attempt}`);
  return { attemptsMade: job?.attemptsMade, state: await job?.getState() };
}

describe("user failures fail at once, with a message naming the cause, and are never retried", () => {
  it.each([
    [
      "a missing Dockerfile",
      { Dockerfile: null, ".slipway.yml": "dockerfile: docker/Dockerfile.prod\n" },
      "Dockerfile not found: docker/Dockerfile.prod",
    ],
    [
      "a Dockerfile syntax error",
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUNN echo hi\n` },
      "Dockerfile syntax error in Dockerfile line 2: unknown instruction: RUNN",
    ],
    [
      "a failing RUN",
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo about to fail && exit 3\n` },
      "step [2/2] RUN echo about to fail && exit 3 failed with exit code 3",
    ],
    [
      "an unknown base image",
      { ".slipway.yml": null, Dockerfile: `FROM ${testEnv.registry}/base/nope:1\nRUN true\n` },
      `base image not found: ${testEnv.registry}/base/nope:1`,
    ],
    [
      "a .slipway.yml pointing outside the repository",
      { ".slipway.yml": "dockerfile: ../../etc/passwd\n" },
      ".slipway.yml is invalid: dockerfile: dockerfile must be a path inside the repository",
    ],
    [
      "a .slipway.yml with an unknown key",
      { ".slipway.yml": "dockerfile: Dockerfile\npubish:\n  - image: x\n" },
      '.slipway.yml is invalid: (top level): Unrecognized key: "pubish"',
    ],
    [
      "a .slipway.yml with a bad publish image",
      { ".slipway.yml": "publish:\n  - image: GHCR.io/Owner/App:latest\n", Dockerfile: `FROM ${BASE}\n` },
      ".slipway.yml is invalid: publish.0.image: must be a registry host and repository in lowercase",
    ],
  ])("%s", async (_what, files, message) => {
    const { id, build } = await buildFiles(files);
    expect(build.status).toBe("failed");
    expect(build.errorClass).toBe("user");
    expect(build.errorMessage).toContain(message);
    expect(build.attempts[0]).toMatchObject({ status: "failed", tries: 1, errorClass: "user" });
    expect(await jobOf(id)).toEqual({ attemptsMade: 1, state: "failed" });
    const byApi = (await (await api(`/builds/${id}`)).json()) as any;
    expect(byApi.error.class).toBe("user");
    expect(byApi.error.message).toContain(message);
    const log = await (await api(`/builds/${id}/logs`)).text();
    expect(log).toContain(`slipway: build failed (user failure)`);
    expect(log).toContain(message);
  });
});

describe("infrastructure failures are retried, then fail with the cause; retry through the API", () => {
  it("a worker whose Docker daemon does not answer takes no builds: the build waits, using no try, and builds once a daemon answers", async () => {
    await farm.restartWorker({ DOCKER_HOST: "unix:///run/slipway-no-such-daemon/docker.sock" });
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "no daemon ${Date.now()}" > /ok\n` },
      { branch: BRANCH },
    );
    const id = await pushCommit(farm.api.url, sha);
    // The worker says why it takes nothing, where the farm page shows it.
    await eventually(
      async () => {
        const hosts = ((await (await api("/workers")).json()) as { hosts: { workers: { role: string; problem: string | null }[] }[] })
          .hosts;
        return hosts.some((h) =>
          h.workers.some((w) => w.role === "build" && /Docker daemon does not answer \(ENOENT\)/.test(w.problem ?? "")),
        );
      },
      30_000,
      "the worker to report its daemon down",
    );
    expect(farm.serviceLogs()).toContain("Docker daemon down: this worker takes no builds until it answers");
    const waiting = await farm.api.db.build.findUniqueOrThrow({ where: { id }, include: { attempts: true } });
    expect(waiting.status).toBe("queued");
    expect(waiting.attempts[0]).toMatchObject({ status: "queued", tries: 0 });
    expect((await jobOf(id)).attemptsMade).toBe(0);

    // A worker with a daemon comes up: the build runs as attempt 1, on its first try.
    await farm.restartWorker();
    const build = await waitForEnd(id);
    expect(build.status, build.errorMessage ?? "").toBe("succeeded");
    expect(build.attempts.map((a) => [a.attempt, a.tries])).toEqual([[1, 1]]);
    expect(await jobOf(id)).toEqual({ attemptsMade: 1, state: "completed" });
    expect(
      ((await (await api("/workers")).json()) as { hosts: { workers: { problem: string | null }[] }[] }).hosts.flatMap((h) =>
        h.workers.map((w) => w.problem),
      ),
    ).not.toContain(expect.stringMatching(/Docker daemon/));
  });

  it("an internal registry answering 5xx to the image push is retried, then fails as infrastructure; a retry through the API after the fix succeeds as attempt 2", async () => {
    // A proxy of the test's own in front of the internal registry that fails every manifest PUT
    // until the "fix" below.
    let failing = true;
    const proxy = await startFlakyProxy(testEnv.registry, (req) =>
      failing && req.method === "PUT" && req.path.includes("/manifests/") ? { status: 503 } : undefined,
    );
    try {
      await farm.restartWorker({}, { registry: proxy.host });
      // The base comes through the proxy too: it is the worker's internal registry (and the one its credential is for).
      const { id, build } = await buildFiles({
        ".slipway.yml": null,
        Dockerfile: `FROM ${proxy.host}/base/busybox:1\nRUN echo "5xx ${Date.now()}"\n`,
      });
      expect(build.status).toBe("failed");
      expect(build.errorClass).toBe("infrastructure");
      expect(build.errorMessage).toMatch(/503/);
      expect(build.attempts[0]).toMatchObject({ status: "failed", tries: 3, errorClass: "infrastructure" });
      expect(proxy.log.filter((r) => r.injected === 503).length).toBeGreaterThanOrEqual(3);
      expect(await jobOf(id)).toEqual({ attemptsMade: 3, state: "failed" });
      const log1 = await (await api(`/builds/${id}/logs`)).text();
      expect(log1.match(/slipway: build failed \(infrastructure failure\)/g)).toHaveLength(3);
      expect(log1).toContain("(try 3)");

      // Fix the cause, retry through the API: same build, attempt 2, history kept.
      failing = false;
      const res = await api(`/builds/${id}/retry`, { method: "POST" });
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ id, attempt: 2, status: "queued", error: null });
      const after = await waitForEnd(id);
      expect(after.status, after.errorMessage ?? "").toBe("succeeded");
      expect(after.attempt).toBe(2);
      expect(after.imageRef).toBe(`${proxy.host}/github/${PUSH_EXAMPLE.repository.id}:build-${id}-2`);
      expect(after.attempts.map((a) => [a.attempt, a.status, a.trigger])).toEqual([
        [1, "failed", "push"],
        [2, "succeeded", "retry"],
      ]);
      expect(await jobOf(id, 2)).toEqual({ attemptsMade: 1, state: "completed" });
      // Attempt 1's log is still there; attempt 2 has its own.
      expect(await (await api(`/builds/${id}/logs?attempt=1`)).text()).toMatch(/503/);
      expect(await (await api(`/builds/${id}/logs`)).text()).toContain("slipway: build succeeded");
      // A succeeded build cannot be retried.
      const again = await api(`/builds/${id}/retry`, { method: "POST" });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { message: string } }).error.message).toContain(
        "only failed or cancelled builds can be retried",
      );
    } finally {
      await farm.restartWorker();
      await proxy.close();
    }
  });

  it("an unreachable git server is an infrastructure failure", async () => {
    const sha = farm.git.commit(REPO, { "NOTES.md": `note ${Date.now()}\n` }, { branch: BRANCH });
    await farm.git.stop();
    try {
      // The commit is new, so the worker must fetch it.
      const id = await pushCommit(farm.api.url, sha);
      const build = await waitForEnd(id);
      expect(build.status).toBe("failed");
      expect(build.errorClass).toBe("infrastructure");
      expect(build.errorMessage).toContain(`git server unreachable for ${farm.git.baseUrl}/Codertocat/Hello-World.git`);
      expect(build.attempts[0]!.tries).toBe(3);
    } finally {
      await farm.git.start();
    }
  });
});

describe("publish failures", () => {
  it("an unreachable publish target is retried, then recorded failed with the cause; the build stays succeeded", async () => {
    const { id, build } = await buildFiles({
      Dockerfile: `FROM ${BASE}\nRUN echo publish-me > /p\n`,
      ".slipway.yml": `publish:\n  - image: ${dead}/acme/app\n`,
    });
    expect(build.status, build.errorMessage ?? "").toBe("succeeded");
    await eventually(
      async () => (await farm.api.db.publish.count({ where: { buildId: id, status: "failed" } })) === 3,
      60_000,
      "publish failed",
    );
    const rows = await farm.api.db.publish.findMany({ where: { buildId: id } });
    for (const r of rows) {
      expect(r.target).toBe(`${dead}/acme/app`);
      expect(r.digest).toBeNull();
      expect(r.error).toMatch(/ECONNREFUSED|connect|unreachable/i);
    }
    // The rows are written in the last try, before BullMQ records that try on the job.
    await eventually(
      async () => (await farm.api.producers.publish.queue.getJob(`publish-${id}-1`))?.attemptsMade === 2,
      10_000,
      "the job's second try to be recorded",
    );
    const job = await farm.api.producers.publish.queue.getJob(`publish-${id}-1`);
    expect(job?.attemptsMade).toBe(2);
    const log = await (await api(`/builds/${id}/logs`)).text();
    expect(log).toContain(`slipway: publish to ${dead}/acme/app failed (infrastructure)`);
    expect(log).toContain("will retry");
    expect((await farm.api.db.build.findUniqueOrThrow({ where: { id } })).status).toBe("succeeded");
  });
});
