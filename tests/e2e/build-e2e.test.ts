import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomUUID } from "node:crypto";
import { RegistryClient } from "@slipway/registry";
import { testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, PUSH_EXAMPLE, pushCommit, REPO } from "./push-payload";

const TARGET = `${testEnv.publishRegistry}/codertocat/hello-world`;
const docker = (...args: string[]) =>
  execFileSync("docker", args, { encoding: "utf8", env: { ...process.env, DOCKER_HOST: testEnv.dockerHost } });

// A multi-stage build: the builder stage generates 200,000 lines and checksums them (real
// work, so a cold build has something to do), the runtime stage COPY --from's the results.
// RUN_NONCE makes this run's first build cold whatever the registry cache holds from earlier runs.
const DOCKERFILE = `FROM ${testEnv.registry}/base/busybox:1 AS builder
ARG GREETING=hello
ARG RUN_NONCE
RUN echo "run $RUN_NONCE" && mkdir -p /out && i=0; while [ $i -lt 200000 ]; do i=$((i+1)); echo "line $i"; done > /out/data.txt && sha256sum /out/data.txt | cut -d' ' -f1 > /out/checksum && echo "$GREETING from slipway" > /out/greeting.txt && echo "generated $(wc -l < /out/data.txt) lines"

FROM ${testEnv.registry}/base/busybox:1 AS runtime
COPY --from=builder /out/greeting.txt /out/checksum /srv/
CMD ["cat", "/srv/greeting.txt", "/srv/checksum"]
`;
const SLIPWAY_YML = `dockerfile: Dockerfile
target: runtime
buildArgs:
  GREETING: howdy
  RUN_NONCE: "${randomUUID()}"
publish:
  - image: ${TARGET}
`;
const expectedChecksum = createHash("sha256")
  .update(Array.from({ length: 200_000 }, (_, i) => `line ${i + 1}\n`).join(""))
  .digest("hex");

let farm: TestFarm;
let sha: string;
beforeAll(async () => {
  // This file tests BuildKit's cache (the same commit again, a second host): every build runs
  // BuildKit. Reusing a built commit's image instead is tests/e2e/coalesce.test.ts.
  farm = await startTestFarm({ coalesce: false });
  sha = farm.git.commit(REPO, { Dockerfile: DOCKERFILE, ".slipway.yml": SLIPWAY_YML, "README.md": "hello\n" }, { branch: BRANCH });
});
afterAll(async () => {
  await farm?.close();
});

const api = (path: string, init: RequestInit = {}) => farm.apiFetch(path, init);
const waitForBuild = (id: string) => farm.waitForEnd(id);

describe("a push becomes a published image", () => {
  let first: Awaited<ReturnType<typeof waitForBuild>>;

  it("builds the pushed commit, pushes it to the internal registry and publishes the default tags", async () => {
    const id = await pushCommit(farm.api.url, sha);
    first = await waitForBuild(id);
    expect(first.errorMessage).toBeNull();
    expect(first.status).toBe("succeeded");
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.imageRef).toBe(`${testEnv.registry}/github/${PUSH_EXAMPLE.repository.id}:build-${id}`);
    expect(first.workerId).toBe("e2e-worker");
    expect(first.host).toBe("e2e-host");
    expect(first.durationMs).toBeGreaterThan(0);
    expect(first.attempts).toHaveLength(1);
    expect(first.attempts[0]).toMatchObject({ attempt: 1, status: "succeeded", tries: 1, digest: first.digest });

    // Steps: every BuildKit vertex, with the Dockerfile's RUN and COPY counted as build steps.
    const names = first.steps.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[builder 2\/2\] RUN echo "run [0-9a-f-]{36}"/),
        expect.stringMatching(/^\[runtime 2\/2\] COPY --from=builder/),
      ]),
    );
    for (const s of first.steps.filter((s) => /^\[(builder|runtime) 2\/2\]/.test(s.name))) {
      expect(s.vertexDigest).toMatch(/^sha256:/);
      expect(s.startedAt).not.toBeNull();
      expect(s.completedAt).not.toBeNull();
      expect(s.cached).toBe(false);
      expect(s.error).toBeNull();
    }
    expect(first.totalSteps).toBe(2);
    expect(first.cachedSteps).toBe(0);

    // The image in the internal registry is the recorded digest.
    const registry = new RegistryClient(testRegistryClientOptions());
    const internal = await registry.getManifest(testEnv.registry, `github/${PUSH_EXAMPLE.repository.id}`, `build-${id}`);
    expect(internal.digest).toBe(first.digest);

    // Published: one row per tag, all at the build's digest, and the registry agrees.
    await eventually(
      async () => (await farm.api.db.publish.count({ where: { buildId: id, status: "pushed" } })) === 3,
      60_000,
      "publishes",
    );
    const publishes = await farm.api.db.publish.findMany({ where: { buildId: id }, orderBy: { tag: "asc" } });
    expect(publishes.map((p) => p.tag)).toEqual(["latest", BRANCH, `sha-${sha.slice(0, 7)}`].sort());
    for (const p of publishes) {
      expect(p).toMatchObject({ target: TARGET, status: "pushed", digest: first.digest });
      const m = await registry.getManifest(testEnv.publishRegistry, "codertocat/hello-world", p.tag);
      expect(m.digest).toBe(first.digest);
    }

    const byApiPublishes = (await (await api(`/builds/${id}/publishes`)).json()) as any;
    expect(byApiPublishes.publishes.map((p: any) => [p.tag, p.status, p.digest])).toEqual(
      publishes.map((p) => [p.tag, "pushed", first.digest]),
    );

    // Pull a published tag, run it, check what the build generated.
    docker("pull", "--quiet", `${TARGET}:latest`);
    const out = docker("run", "--rm", "--network", "none", `${TARGET}:latest`);
    expect(out).toBe(`howdy from slipway\n${expectedChecksum}\n`);
    const labels = JSON.parse(docker("image", "inspect", "--format", "{{json .Config.Labels}}", `${TARGET}:latest`));
    expect(labels["org.opencontainers.image.revision"]).toBe(sha);
    // <SLIPWAY_GIT_BASE_URL>/<owner>/<repo>: https://github.com/Codertocat/Hello-World on GitHub.
    expect(labels["org.opencontainers.image.source"]).toBe(`${farm.git.baseUrl}/${REPO}`);
    expect(new Date(labels["org.opencontainers.image.created"]).getTime()).toBeGreaterThan(0);

    // The full log through the API: Slipway's own steps, BuildKit's steps and the RUN output.
    const res = await api(`/builds/${id}/logs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const log = await res.text();
    expect(log).toContain(`slipway: checked out ${sha}`);
    expect(log).toContain("slipway: read .slipway.yml");
    expect(log).toMatch(/#\d+ \[builder 2\/2\] RUN echo "run [0-9a-f-]{36}"/);
    expect(log).toMatch(/#\d+ generated 200000 lines/);
    expect(log).toContain(`slipway: build succeeded in`);
    expect(log).toContain(`slipway: published ${TARGET}:{`);
    const steps = (await (await api(`/builds/${id}/steps`)).json()) as any;
    expect(steps.attempt).toBe(1);
    expect(steps.steps).toHaveLength(first.steps.length);
    const run = steps.steps.find((s: any) => /^\[builder 2\/2\] RUN/.test(s.name));
    expect(run).toMatchObject({ cached: false, error: null });
    expect(run.durationMs).toBeGreaterThan(0);
    const byApi = (await (await api(`/builds/${id}`)).json()) as any;
    expect(byApi).toMatchObject({ id, status: "succeeded", digest: first.digest, totalSteps: 2, cachedSteps: 0, error: null });
    // The scratch folder and its lock (see lockScratch) are gone once the build is done.
    expect(readdirSync(join(farm.cacheDir, "work"))).toEqual([]);
  });

  it("pushing the same commit again reports every step cached and builds faster", async () => {
    const id = await pushCommit(farm.api.url, sha);
    const second = await waitForBuild(id);
    expect(second.status).toBe("succeeded");
    expect(second.totalSteps).toBe(2);
    expect(second.cachedSteps).toBe(2);
    for (const s of second.steps.filter((s) => /^\[(builder|runtime) 2\/2\]/.test(s.name))) expect(s.cached).toBe(true);
    // Relative, within one run: the cold build's RUN generated 200k lines, the warm one ran nothing.
    expect(second.durationMs!).toBeLessThan(first.durationMs!);
    const log = await (await api(`/builds/${id}/logs`)).text();
    expect(log).toContain(`slipway: commit ${sha} already in the mirror on refs/heads/${BRANCH}, no fetch needed`);
    expect(log).toMatch(/#\d+ CACHED/);
    expect(log).toContain("(2/2 steps cached)");
  });

  it("a second build host with an empty daemon is warm from its first build (registry cache)", async () => {
    const hostB = mkdtempSync(join(tmpdir(), "slipway-host-b-"));
    try {
      // Host B: its own Docker daemon (nothing pulled, nothing cached) and its own git mirrors.
      expect(
        execFileSync("docker", ["image", "ls", "-q"], {
          encoding: "utf8",
          env: { ...process.env, DOCKER_HOST: testEnv.dockerHostB },
        }).trim(),
      ).not.toContain(first.digest!.slice(7, 19));
      await farm.restartWorker({ DOCKER_HOST: testEnv.dockerHostB }, { host: "e2e-host-b", cacheDir: hostB });
      const id = await pushCommit(farm.api.url, sha);
      const onB = await waitForBuild(id);
      const log = await (await api(`/builds/${id}/logs`)).text();
      expect(onB.status, log).toBe("succeeded");
      expect(onB.host).toBe("e2e-host-b");
      expect(onB.cachedSteps, log).toBe(2);
      expect(onB.totalSteps).toBe(2);
      expect(log).toContain(`slipway: fetching ${farm.git.baseUrl}/Codertocat/Hello-World.git`);
      expect(log).toMatch(/#\d+ CACHED/);
      // Host B's own daemon did not run the 200k-line RUN step: the layers came from the registry.
      expect(log).not.toMatch(/#\d+ generated 200000 lines/);
    } finally {
      await farm.restartWorker();
      rmSync(hostB, { recursive: true, force: true });
    }
  });

  it("a new commit that leaves the Dockerfile alone reuses every step from the registry cache", async () => {
    const next = farm.git.commit(REPO, { "README.md": "hello again\n" }, { branch: BRANCH, message: "docs" });
    // The new commit must be fetched into the mirror; its steps match the previous commit's cache keys.
    const id = await pushCommit(farm.api.url, next, { before: sha });
    const third = await waitForBuild(id);
    expect(third.status).toBe("succeeded");
    expect(third.sha).toBe(next);
    expect(third.cachedSteps).toBe(2);
    const log = await (await api(`/builds/${id}/logs`)).text();
    expect(log).toContain(`slipway: fetching ${farm.git.baseUrl}/Codertocat/Hello-World.git`);
    expect(log).toContain(`slipway: checked out ${next}`);
  });
});
