// The farm beyond one machine, on one machine: 2 api processes behind a round-robin proxy,
// 2 Docker daemons (build hosts) with 2 worker processes each, 2 publishers. 50 pushes over 5
// repositories (some delivered twice, through both apis): every push is built once and
// published once, the registry cache is shared across the daemons, and a build leaves the
// host that built its repository only after the routing wait.
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { RegistryClient } from "@slipway/registry";
import { testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { BRANCH, pushCommit } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;
const WAIT_MS = 2_000;
const HOSTS = ["mh-a", "mh-b"];
const run = randomBytes(3).toString("hex");
const repos = Array.from({ length: 5 }, (_, i) => ({ id: randomInt(1e9, 2e9), fullName: `multi-${run}/app${i}` }));
const target = (i: number) => `${testEnv.publishRegistry}/multi-${run}/app${i}`;
const files = (i: number, app: string) => ({
  // The step before COPY is the same for every commit of a repository: from the cache after the
  // repository's first build, on either daemon.
  Dockerfile: `FROM ${BASE}\nRUN echo "deps of app${i} ${run}" > /deps && sleep 1\nCOPY app.txt /app.txt\nRUN cat /app.txt\n`,
  "app.txt": app,
  ".slipway.yml": `publish:\n  - image: ${target(i)}\n`,
});

let farm: ProcessFarm;
beforeAll(async () => {
  farm = await startProcessFarm({
    name: "multi-host",
    workers: 0,
    apis: 2,
    publishers: 2,
    hosts: [
      { name: HOSTS[0]!, dockerHost: testEnv.dockerHost, workers: 2 },
      { name: HOSTS[1]!, dockerHost: testEnv.dockerHostB, workers: 2 },
    ],
    env: { worker: { SLIPWAY_ROUTE_WAIT_MS: String(WAIT_MS) } },
  });
}, 120_000);
afterAll(async () => {
  await farm?.close();
});

type Build = {
  id: string;
  repository: string;
  refName: string;
  status: string;
  host: string | null;
  routing: string | null;
  digest: string | null;
  attempt: number;
  queuedAt: string;
  startedAt: string;
};
const getBuild = async (id: string) => (await (await farm.apiFetch(`/builds/${id}`)).json()) as Build;

describe("many hosts, one farm", () => {
  it(
    "50 pushes over 5 repositories: each built and published once, cache shared across daemons, routing affine",
    { timeout: 420_000 },
    async () => {
      // Each repository's default branch (the example payload's, master) first (its cache is where new branches start from).
      const mains = await Promise.all(
        repos.map((r, i) =>
          pushCommit(farm.url, farm.git.commit(r.fullName, files(i, `${BRANCH} ${randomUUID()}\n`), { branch: BRANCH }), {
            ref: `refs/heads/${BRANCH}`,
            repository: r,
          }),
        ),
      );
      await eventually(
        async () =>
          (await farm.db.build.count({ where: { id: { in: mains }, status: { in: ["succeeded", "failed", "cancelled"] } } })) === 5,
        120_000,
        "the default branches' builds to end",
      );
      // Then 45 pushes at once, each a new branch (nothing supersedes anything); every fifth is
      // delivered twice with one delivery id, the two copies through different apis.
      const pushes = Array.from({ length: 45 }, (_, k) => ({ repo: k % 5, branch: `feature-${Math.floor(k / 5)}` }));
      const ids = await Promise.all(
        pushes.map(async ({ repo, branch }, k) => {
          const sha = farm.git.commit(repos[repo]!.fullName, files(repo, `${branch} ${randomUUID()}\n`), { branch });
          const opts = {
            ref: `refs/heads/${branch}`,
            repository: repos[repo]!,
            deliveryId: randomUUID(),
            before: randomBytes(20).toString("hex"),
          };
          if (k % 5 !== 0) return pushCommit(farm.url, sha, opts);
          const [a, b] = await Promise.all(farm.apiUrls.map((url) => pushCommit(url, sha, opts)));
          expect(b).toBe(a);
          return a!;
        }),
      );
      const all = [...mains, ...ids];
      expect(new Set(all).size).toBe(50);
      const [toA, toB] = farm.proxy!.counts();
      expect(toA).toBeGreaterThan(10);
      expect(toB).toBeGreaterThan(10);

      await eventually(
        async () => (await farm.db.build.count({ where: { status: { in: ["succeeded", "failed", "cancelled"] } } })) === 50,
        360_000,
        "all 50 builds to end",
      );
      // Publishing follows each build: wait for every publish row to end too.
      await eventually(async () => (await farm.db.publish.count({ where: { status: "pending" } })) === 0, 120_000, "publishes to end");

      // Built once: 50 builds, no other; each succeeded on its first attempt's first try.
      expect(await farm.db.build.count()).toBe(50);
      const builds = await Promise.all(all.map(getBuild));
      const attempts = await farm.db.buildAttempt.findMany({ select: { buildId: true, tries: true } });
      expect(attempts.length).toBe(50);
      expect(attempts.filter((a) => a.tries !== 1)).toEqual([]);
      expect(builds.filter((b) => b.status !== "succeeded" || b.attempt !== 1).map((b) => `${b.id} ${b.status}`)).toEqual([]);
      expect(new Set(builds.map((b) => b.host))).toEqual(new Set(HOSTS));

      // Published once: every publish row was pushed at the build's digest, the branch tag in the
      // target registry is that digest, and the two publishers together logged one "published"
      // per build.
      const registry = new RegistryClient(testRegistryClientOptions());
      for (const b of builds) {
        const rows = await farm.db.publish.findMany({ where: { buildId: b.id } });
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.filter((p) => p.status !== "pushed" || p.digest !== b.digest)).toEqual([]);
        for (const row of rows) {
          const tagged = await registry.getManifest(testEnv.publishRegistry, row.target.slice(testEnv.publishRegistry.length + 1), row.tag);
          expect(tagged.digest, `${row.target}:${row.tag}`).toBe(b.digest);
        }
      }
      const published = farm
        .logsOf("publisher")
        .split("\n")
        .filter((l) => l.includes('"msg":"published"'))
        .map((l) => (JSON.parse(l) as { buildId: string }).buildId);
      expect(published.length).toBe(50);
      expect(new Set(published)).toEqual(new Set(all));

      // Cache shared across daemons: each feature build found its repository's deps step in the
      // registry cache, whichever host ran it, those on a host that never built the repository too.
      const stepsOf = async (id: string) =>
        ((await (await farm.apiFetch(`/builds/${id}/steps`)).json()) as { steps: { name: string; cached: boolean }[] }).steps;
      const firstHost = new Map(builds.slice(0, 5).map((b) => [b.repository, b.host]));
      let crossHost = 0;
      for (const b of builds.slice(5)) {
        const deps = (await stepsOf(b.id)).find((s) => s.name.includes('RUN echo "deps of'));
        expect(deps?.cached, `${b.id} on ${b.host}: ${JSON.stringify(deps)}`).toBe(true);
        if (b.host !== firstHost.get(b.repository)) crossHost++;
      }
      expect(crossHost).toBeGreaterThan(0);

      // Routing: a build went to a host that had not built its repository, because the hosts
      // that had were busy, only after the routing wait; "affine" is true of its host.
      const started = (b: Build) => Date.parse(b.startedAt);
      for (const b of builds) {
        const earlierHere = builds.some((o) => o.repository === b.repository && o.host === b.host && started(o) < started(b));
        if (b.routing === "affine") expect(earlierHere, `${b.id}: affine without an earlier build on ${b.host}`).toBe(true);
        if (b.routing !== "fallback") continue;
        const log = await (await farm.apiFetch(`/builds/${b.id}/logs`)).text();
        const why = /slipway: routing fallback: (.*)/.exec(log)?.[1] ?? "";
        // Under load a warm host's workers may miss heartbeats ("not up"): taken at once, rightly.
        if (!why.includes("not up"))
          expect(started(b) - Date.parse(b.queuedAt), `${b.id} fell back early: ${why}`).toBeGreaterThanOrEqual(WAIT_MS - 100);
      }
      const affine = builds.filter((b) => b.routing === "affine").length;
      const fallback = builds.filter((b) => b.routing === "fallback").length;
      process.stdout.write(
        `multi-host: ${affine} affine, ${fallback} fallback, ${50 - affine - fallback} any; ${crossHost} feature builds on a second host; proxy ${toA}/${toB}\n`,
      );
      expect(affine).toBeGreaterThan(fallback);
    },
  );
});
