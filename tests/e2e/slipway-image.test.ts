// Slipway's own image (Dockerfile at the repository root), built with buildx on the test daemon
// from bases made on this machine (no image download), then every role started from it: migrate
// on an empty database, the api, a build worker and a publisher, each on the host network so
// they reach this test's PostgreSQL and Redis on loopback. Asserts what they do, as uid 10001,
// that a push through the containerised api is built by the containerised worker, and that
// `docker stop` ends each one gracefully. Prints what it measured (not asserted).
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Queue } from "bullmq";
import { PUBLISH_JOB } from "@slipway/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, freePort, slipwayImageBases, testEnv, TestGitServer, TestRedis, withDatabase } from "@slipway/testing";
import { WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { ImageContainers, timeUntil } from "./image-containers";
import { BRANCH, pushCommit, REPO } from "./push-payload";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GRACE_S = 30;
const measured: string[] = [];
const note = (line: string) => {
  measured.push(line);
  process.stderr.write(`[slipway-image] ${line}\n`);
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe("Slipway's own image", () => {
  const dockerEnv = { ...process.env, DOCKER_HOST: testEnv.dockerHost };
  const docker = new ImageContainers(dockerEnv);
  const apiToken = `slw_${randomBytes(24).toString("hex")}`;
  const dbName = `slipway_img_${randomBytes(6).toString("hex")}`;
  const dbUrl = withDatabase(testEnv.adminDatabaseUrl, dbName);
  let image = "";
  let redis: TestRedis;
  let git: TestGitServer;
  let apiUrl = "";
  let containers: Record<"api" | "worker" | "publisher", string>;
  let common: Record<string, string>;
  let workerId = "";
  const builtRefs: string[] = [];

  beforeAll(async () => {
    let t = performance.now();
    const bases = await slipwayImageBases(dockerEnv, (s) => note(s));
    note(
      `bases ${bases.base}, ${bases.dockerCli}: ${bases.made.length ? `made ${bases.made.join(", ")}` : "reused"} in ${secs(performance.now() - t)}`,
    );

    t = performance.now();
    const tag = `slipway-test/slipway:e2e-${randomBytes(4).toString("hex")}`;
    // The docker driver: the bases are in the daemon's own image store. No provenance
    // attestation (nothing reads it here; exporting it costs time).
    const r = await docker.docker(
      [
        "buildx",
        "build",
        "--provenance=false",
        "--progress=plain",
        "--build-arg",
        `BASE=${bases.base}`,
        "--build-arg",
        `DOCKER_CLI=${bases.dockerCli}`,
        "-t",
        tag,
        ROOT,
      ],
      {},
      30 * 60_000,
    );
    if (r.code !== 0) throw new Error(`docker buildx build failed:\n${r.stderr.slice(-4000)}`);
    const steps = (r.stderr.match(/^#\d+ CACHED$/gm) ?? []).length;
    note(`image built in ${secs(performance.now() - t)} (${steps} steps cached)`);
    image = tag;
    const size = await docker.docker(["image", "inspect", "-f", "{{.Size}}", image]);
    note(`image size ${(Number(size.stdout.trim()) / 1e6).toFixed(0)} MB (docker image inspect: its layers, base included, compressed)`);

    redis = await TestRedis.start();
    git = await TestGitServer.start();
    await adminQuery(testEnv.adminDatabaseUrl, `CREATE DATABASE ${dbName}`);
    common = {
      DATABASE_URL: dbUrl,
      // Its own Redis: the apps use the queue prefix "slipway", which no other test file may share.
      REDIS_URL: redis.url,
      SLIPWAY_REGISTRY: testEnv.registry,
      // Where workers fetch from: the test's git daemon on loopback, standing in for github.com.
      SLIPWAY_GIT_BASE_URL: git.baseUrl,
      SLIPWAY_GIT_PROTOCOLS: "git",
      LOG_LEVEL: "info",
    };
  }, 35 * 60_000);

  afterAll(async () => {
    await docker.close();
    // The tag only: its layers stay in BuildKit's cache for the next run.
    for (const ref of [image, ...builtRefs].filter(Boolean)) await docker.docker(["rmi", ref]);
    await redis?.destroy();
    await git?.destroy();
    await adminQuery(testEnv.adminDatabaseUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    process.stderr.write(`[slipway-image] measured:\n  ${measured.join("\n  ")}\n`);
  }, 120_000);

  it("refuses an unknown role, naming the roles", async () => {
    const r = await docker.runToEnd(image, "bogus", {});
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("unknown role 'bogus': the first argument must be one of api, worker, publisher, migrate");
  });

  it("migrate applies the migrations to an empty database and exits 0", async () => {
    const t = performance.now();
    const r = await docker.runToEnd(image, "migrate", { DATABASE_URL: dbUrl });
    note(`migrate: exit ${r.code} after ${secs(performance.now() - t)}`);
    // No error (a Node warning on a loaded machine is no failure of the image).
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ migrations applied/m);
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      const tables = (await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map(
        (row) => row.tablename,
      );
      expect(tables).toEqual(expect.arrayContaining(["_prisma_migrations", "repositories", "webhook_deliveries", "builds"]));
      const applied = await client.query("SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL");
      expect(applied.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    // Again: nothing left to apply.
    const again = await docker.runToEnd(image, "migrate", { DATABASE_URL: dbUrl });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("database is up to date");
  }, 120_000);

  it("runs the api, a build worker and a publisher: ready, serving, at work, as uid 10001", async () => {
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    let t = performance.now();
    const api = await docker.start(image, "api", {
      ...common,
      PORT: String(port),
      HOST: "127.0.0.1",
      SLIPWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SLIPWAY_API_TOKEN: apiToken,
    });
    await timeUntil(async () => ((await fetch(`${apiUrl}/readyz`)).status === 200 ? true : undefined), 90_000, "the api's /readyz");
    note(`api: ready (/readyz 200) ${secs(performance.now() - t)} after docker run`);
    expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
    const index = await fetch(`${apiUrl}/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('<div id="root"></div>');
    // The built page (vite's bundle), not the source's /src/main.tsx.
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);

    // The worker talks to the test daemon through its socket, with the socket's group.
    const socket = testEnv.dockerHost.replace(/^unix:\/\//, "");
    workerId = `image-worker-${randomBytes(3).toString("hex")}`;
    t = performance.now();
    const [worker, publisher] = await Promise.all([
      // The internal registry's token realm (the global setup's) trusts grants signed with this secret.
      docker.start(image, "worker", { ...common, SLIPWAY_WORKER_ID: workerId, SLIPWAY_REGISTRY_SECRET: testEnv.registrySecret }, [
        // A literal value: the docker CLI starting it talks to the test daemon by DOCKER_HOST itself.
        "-e",
        "DOCKER_HOST=unix:///var/run/docker.sock",
        "-v",
        `${socket}:/var/run/docker.sock`,
        "--group-add",
        String(statSync(socket).gid),
      ]),
      docker.start(image, "publisher", common),
    ]);
    containers = { api, worker, publisher };
    interface Workers {
      hosts: { workers: { id: string; role: string; problem: string | null }[] }[];
    }
    let lastAnswer = "";
    // The publisher has no heartbeat (only build workers beat): its BullMQ consumer of the
    // publish queue, connected to Redis under the apps' prefix, is what says it is up.
    const publishQueue = new Queue(PUBLISH_JOB.queue, { connection: { url: redis.url }, prefix: "slipway" });
    const started = performance.now() - t;
    try {
      const [beating, consuming] = await Promise.all([
        timeUntil(
          async () => {
            const res = await fetch(`${apiUrl}/api/v1/workers`, { headers: { authorization: `Bearer ${apiToken}` } });
            lastAnswer = `${res.status} ${await res.clone().text()}`;
            const body = (await res.json()) as Workers;
            return body.hosts.flatMap((h) => h.workers).find((w) => w.id === workerId);
          },
          90_000,
          "the build worker's heartbeat in /api/v1/workers",
        ).catch(async (err: Error) => {
          throw new Error(
            `${err.message}\nlast answer: ${lastAnswer}\nworker:\n${(await docker.logs(worker)).split("\n").slice(-15).join("\n")}`,
          );
        }),
        timeUntil(async () => ((await publishQueue.getWorkers()).length > 0 ? true : undefined), 90_000, "the publisher's consumer"),
      ]);
      expect(beating.value).toMatchObject({ role: "build", problem: null });
      note(`worker: heartbeat in /api/v1/workers ${secs(started + beating.ms)} after docker run`);
      note(`publisher: consuming the publish queue ${secs(started + consuming.ms)} after docker run`);
    } finally {
      await publishQueue.close();
    }

    // The worker's docker CLI and buildx plugin reach the daemon from inside, as uid 10001.
    const buildx = await docker.docker(["exec", worker, "docker", "buildx", "version"]);
    expect(buildx.code).toBe(0);
    expect(buildx.stdout).toContain("github.com/docker/buildx");
    const info = await docker.docker(["exec", worker, "docker", "version", "--format", "{{.Server.Version}}"]);
    expect(info.code).toBe(0);
    expect(info.stdout.trim()).toMatch(/^\d+\.\d+/);

    for (const [role, id] of Object.entries(containers)) {
      const procs = await docker.processes(id);
      // tini is PID 1 and node its child; nothing runs as root.
      expect(procs.filter((p) => /^(tini|node) /.test(p)).sort(), role).toEqual(["node 10001", "tini 10001"]);
      for (const p of procs) expect(p, role).toMatch(/ 10001$/);
      const comm = await docker.docker(["exec", id, "cat", "/proc/1/comm"]);
      expect(comm.stdout.trim()).toBe("tini");
    }
  }, 240_000);

  it("a push through the containerised api is built by the containerised worker", async () => {
    expect(containers, "the roles did not start").toBeDefined();
    const dockerfile = `FROM ${testEnv.registry}/base/busybox:1\nRUN echo "built by the image's worker" > /greeting\n`;
    const sha = git.commit(REPO, { Dockerfile: dockerfile, "README.md": "image test\n" }, { branch: BRANCH });
    const t = performance.now();
    const id = await pushCommit(apiUrl, sha);
    interface Build {
      status: string;
      digest: string | null;
      workerId: string | null;
      error: { class: string; message: string } | null;
      imageRef: string | null;
    }
    const { value: build } = await timeUntil(
      async () => {
        const res = await fetch(`${apiUrl}/api/v1/builds/${id}`, { headers: { authorization: `Bearer ${apiToken}` } });
        const b = (await res.json()) as Build;
        return ["succeeded", "failed", "cancelled"].includes(b.status) ? b : undefined;
      },
      150_000,
      "the pushed build to end",
    );
    note(`push to built image through the containers: ${secs(performance.now() - t)}`);
    // The build's image also landed in the test daemon's store: its tag goes with the test.
    if (build.imageRef) builtRefs.push(build.imageRef);
    expect(build.error).toBeNull();
    expect(build).toMatchObject({ status: "succeeded", workerId });
    expect(build.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const log = await fetch(`${apiUrl}/api/v1/builds/${id}/logs`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect(await log.text()).toContain('RUN echo "built by the image\'s worker"');
  }, 180_000);

  it("docker stop ends each role gracefully: exit 0, before the grace ends (docker would SIGKILL: 137)", async () => {
    expect(containers, "the roles did not start").toBeDefined();
    const results = await Promise.all(
      (["worker", "publisher", "api"] as const).map(async (role) => ({ role, ...(await docker.stop(containers[role], GRACE_S)) })),
    );
    for (const r of results) {
      note(`${r.role}: stopped in ${secs(r.ms)}, exit ${r.exitCode}`);
      expect(r.exitCode, r.role).toBe(0);
      expect(r.logs, r.role).toContain(`slipway ${r.role}: SIGTERM, shutting down`);
    }
  }, 120_000);
});
