// Remote BuildKit builders (SLIPWAY_BUILDKIT_ENDPOINT) through the whole farm. No buildkitd can
// run on this machine, so what is tested is what the worker does around one: a builder whose
// endpoint refuses connections holds builds back without spending their tries, and says so in
// the heartbeat; a builder that accepts connections gets the build, with `--builder` of the
// worker's own instance and the TLS files passed by path (a docker shim of the test's own
// records every argv, then runs the real docker).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteBuilder, endpointHost, remoteBuilderFor } from "@slipway/builder";
import { freePort, testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;
const KEY_MARK = "SLIPWAY-TEST-KEY-MATERIAL";

let farm: TestFarm;
let shim: string;
let tls: string;
const dockerCalls = () => readFileSync(join(shim, "calls.log"), "utf8").split("\n").filter(Boolean);

beforeAll(async () => {
  shim = mkdtempSync(join(tmpdir(), "slipway-docker-shim-"));
  writeFileSync(join(shim, "calls.log"), "");
  const real = execFileSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).trim();
  // Each call: its argv and the BUILDX_CONFIG it runs with.
  writeFileSync(
    join(shim, "docker"),
    `#!/bin/sh\necho "$* [BUILDX_CONFIG=$BUILDX_CONFIG]" >> ${join(shim, "calls.log")}\nexec ${real} "$@"\n`,
  );
  chmodSync(join(shim, "docker"), 0o755);
  tls = mkdtempSync(join(tmpdir(), "slipway-buildkit-tls-"));
  for (const f of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(join(tls, f), `-----BEGIN ${f}-----\n${KEY_MARK}\n-----END ${f}-----\n`);
  farm = await startTestFarm({ buildAttempts: 1, path: `${shim}:${process.env.PATH}` });
});
afterAll(async () => {
  await farm?.close();
  for (const d of [shim, tls]) if (d) rmSync(d, { recursive: true, force: true });
});

/** Restarts the farm's worker on a remote builder at `endpoints`, as apps/worker sets one up. */
async function workerOnBuildkit(endpoints: string[], tlsDir?: string) {
  const buildkit = remoteBuilderFor({ endpoints, workerId: "e2e-worker", cacheDir: farm.cacheDir, ...(tlsDir ? { tlsDir } : {}) });
  const env = await createRemoteBuilder(buildkit, { ...process.env, PATH: `${shim}:${process.env.PATH}` });
  await farm.restartWorker(
    { BUILDX_CONFIG: env.BUILDX_CONFIG as string },
    { buildkit, host: endpointHost(buildkit.endpoint) ?? "e2e-host" },
  );
  return buildkit;
}

const workers = async () =>
  ((await (await farm.apiFetch("/workers")).json()) as { hosts: { host: string; workers: { role: string; problem: string | null }[] }[] })
    .hosts;

describe("remote BuildKit builders", () => {
  it(
    "a worker whose builder refuses connections takes no builds: the build waits with no try used, the heartbeat names the endpoint; a worker that can build then builds it",
    { timeout: 180_000 },
    async () => {
      const endpoint = `tcp://127.0.0.1:${await freePort()}`;
      await workerOnBuildkit([endpoint]);
      const sha = farm.git.commit(
        REPO,
        { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "remote down ${Date.now()}" > /ok\n` },
        { branch: BRANCH },
      );
      const id = await pushCommit(farm.api.url, sha);
      await eventually(
        async () =>
          (await workers()).some(
            (h) =>
              h.host === "127.0.0.1" &&
              h.workers.some((w) => w.problem === `its BuildKit builder ${endpoint} does not answer (ECONNREFUSED)`),
          ),
        30_000,
        "the worker to report its builder down",
      );
      const waiting = await farm.api.db.build.findUniqueOrThrow({ where: { id }, include: { attempts: true } });
      expect(waiting.status).toBe("queued");
      expect(waiting.attempts[0]).toMatchObject({ status: "queued", tries: 0 });
      expect((await farm.api.queue.queue.getJob(id))?.attemptsMade).toBe(0);
      expect(dockerCalls().filter((c) => c.startsWith("buildx build"))).toEqual([]);

      // Back on the Docker daemon: the build runs, attempt 1 on its first try.
      await farm.restartWorker();
      const build = await farm.waitForEnd(id);
      expect(build.status, build.errorMessage ?? "").toBe("succeeded");
      expect(build.attempts.map((a) => [a.attempt, a.tries])).toEqual([[1, 1]]);
    },
  );

  it(
    "a builder that accepts connections gets the build with --builder of the worker's instance; TLS files go by path, their contents never into argv",
    { timeout: 120_000 },
    async () => {
      // Accepts and holds connections (speaks no BuildKit): the pre-try check passes, buildx then fails.
      const held: Socket[] = [];
      const server = createServer((s) => held.push(s.on("error", () => {})));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const endpoint = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
      const before = dockerCalls().length; // the first test's build ran docker too
      try {
        const buildkit = await workerOnBuildkit([endpoint], tls);
        const sha = farm.git.commit(
          REPO,
          { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN echo "remote ${Date.now()}" > /ok\n` },
          { branch: BRANCH },
        );
        const build = await farm.waitForEnd(await pushCommit(farm.api.url, sha));
        // No BuildKit answered: the build fails as the farm's fault, on the builder's host.
        expect(build.status).toBe("failed");
        expect(build.errorClass).toBe("infrastructure");
        expect(build.host).toBe("127.0.0.1");
        // buildx found the worker's instance (BUILDX_CONFIG beside the build's own DOCKER_CONFIG)
        // and tried the endpoint: what failed is the connection, not the builder's set-up.
        const log = await (await farm.apiFetch(`/builds/${build.id}/logs`)).text();
        // (Measured: buildx waits 20 s for the connection, then gives up.)
        expect(log).toContain("[internal] waiting for connection");
        expect(log).toContain("ERROR: context deadline exceeded");
        expect(log).not.toContain("no builder");

        const calls = dockerCalls().slice(before);
        const config = `[BUILDX_CONFIG=${join(farm.cacheDir, "buildx", "worker-e2e-worker")}]`;
        expect(calls).toContain(
          `buildx create --name ${buildkit.name} --node ${buildkit.name}-0 --driver remote --driver-opt cacert=${tls}/ca.pem,cert=${tls}/cert.pem,key=${tls}/key.pem ${endpoint} ${config}`,
        );
        const builds = calls.filter((c) => c.startsWith("buildx build"));
        expect(builds).toHaveLength(1);
        expect(builds[0]?.startsWith(`buildx build --builder ${buildkit.name} --progress=rawjson `)).toBe(true);
        expect(builds[0]).toContain(" --push ");
        expect(builds[0]?.endsWith(config)).toBe(true);
        expect(calls.join("\n")).not.toContain(KEY_MARK);
        expect(farm.serviceLogs()).not.toContain(KEY_MARK);
      } finally {
        for (const s of held) s.destroy();
        server.close();
        await farm.restartWorker();
      }
    },
  );
});
