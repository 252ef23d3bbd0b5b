// npm run bench:build [ROUNDS] — cold and warm build times through the farm (webhook to
// succeeded) next to plain `docker buildx build` of the same Dockerfile, in one run on the same
// daemon and registry, for two workloads: a busybox multi-stage build that generates and
// checksums 200k lines, and a multi-stage C build (gcc -O2 -static on Debian 12, made by
// debootstrap). Prints medians of ROUNDS rounds and the ratios.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt, randomUUID } from "node:crypto";
import { testEnv, withRegistryLogin } from "@slipway/testing";
import globalSetup from "@slipway/testing/global-setup";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "../e2e/farm-harness";
import { BRANCH, pushCommit, REPO } from "../e2e/push-payload";
import { generatedCProgram, pushDebianGccImage } from "./debian-gcc-image";
import { runBench } from "./bench-report";

const ROUNDS = Number(process.argv[2] ?? 3);
// Logged in to the internal registry (token auth) in main(), before any docker command.
let env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: testEnv.dockerHost };
const say = (s: string) => process.stdout.write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Workload {
  name: string;
  /** the repository's files for one cold variant */
  files: (nonce: string) => Record<string, string>;
}

const workloads: Workload[] = [
  {
    name: "busybox: generate + checksum 200k lines",
    files: (nonce) => ({
      Dockerfile: `FROM ${testEnv.registry}/base/busybox:1 AS builder
RUN echo "run ${nonce}" && mkdir -p /out && i=0; while [ $i -lt 200000 ]; do i=$((i+1)); echo "line $i"; done > /out/data.txt && sha256sum /out/data.txt | cut -d' ' -f1 > /out/checksum
FROM ${testEnv.registry}/base/busybox:1 AS runtime
COPY --from=builder /out/checksum /srv/
CMD ["cat", "/srv/checksum"]
`,
    }),
  },
  {
    name: "C: gcc -O2 -static, 3000 functions",
    files: (nonce) => ({
      Dockerfile: `FROM ${testEnv.registry}/base/debian-gcc:12 AS build
COPY main.c /src/main.c
RUN mkdir -p /out && gcc -O2 -static -o /out/app /src/main.c
FROM ${testEnv.registry}/base/busybox:1
COPY --from=build /out/app /app
CMD ["/app"]
`,
      "main.c": generatedCProgram(3000, nonce),
    }),
  },
];

// Asynchronous: this process also serves the internal registry's token realm (global setup),
// which the push asks; a synchronous exec would block it.
async function plainBuild(dir: string, tag: string): Promise<number> {
  const t0 = performance.now();
  await promisify(execFile)(
    "docker",
    ["buildx", "build", "--progress=quiet", "--network", testEnv.buildNetwork, "--push", "-t", tag, dir],
    { env },
  );
  return performance.now() - t0;
}

async function farmBuild(farm: TestFarm, sha: string, ref?: string, repository?: { id: number; fullName: string }) {
  const t0 = performance.now();
  const id = await pushCommit(farm.api.url, sha, { ...(ref ? { ref } : {}), ...(repository ? { repository } : {}) });
  await eventually(
    async () => ["succeeded", "failed"].includes((await farm.api.db.build.findUniqueOrThrow({ where: { id } })).status),
    600_000,
    "build",
  );
  const wall = performance.now() - t0;
  const b = await farm.api.db.build.findUniqueOrThrow({ where: { id } });
  if (b.status !== "succeeded") throw new Error(`farm build failed: ${b.errorMessage}`);
  return { wall, cached: `${b.cachedSteps}/${b.totalSteps}`, coalesced: b.coalescedFromId !== null, host: b.host, routing: b.routing };
}

/**
 * Routing on and off, two hosts with one worker each (fresh git mirrors): 3 new repositories,
 * 3 commits each pushed one after the other, the repositories in turn. Off (wait 0), BullMQ
 * hands jobs to the two workers in turn, so (an odd number of repositories) each repository
 * lands on both hosts; on, each
 * stays on the host that built it first. Reported: the builds after each repository's first.
 */
async function benchRouting(farm: TestFarm, w: Workload) {
  const result: Record<string, { median: number; affine: number; builds: number }> = {};
  for (const [mode, waitMs] of [
    ["off", 0],
    ["on", 10_000],
  ] as const) {
    const dirs = [mkdtempSync(join(tmpdir(), "slipway-bench-route-a-")), mkdtempSync(join(tmpdir(), "slipway-bench-route-b-"))];
    await farm.restartWorker({}, { host: `route-${mode}-a`, workerId: `route-${mode}-a`, cacheDir: dirs[0], routeWaitMs: waitMs });
    const other = farm.addWorker(
      { DOCKER_HOST: testEnv.dockerHostB },
      { host: `route-${mode}-b`, workerId: `route-${mode}-b`, cacheDir: dirs[1], routeWaitMs: waitMs },
    );
    const repos = Array.from({ length: 3 }, (_, i) => ({
      id: randomInt(1e9, 2e9),
      fullName: `bench-route/${mode}-${i}-${randomUUID().slice(0, 6)}`,
    }));
    const later: { wall: number; routing: string | null }[] = [];
    const nonce = repos.map(() => randomUUID());
    for (let round = 0; round < 3; round++)
      for (const [i, repo] of repos.entries()) {
        const sha = farm.git.commit(repo.fullName, { ...w.files(nonce[i]!), "README.md": `round ${round}\n` }, { branch: BRANCH });
        const b = await farmBuild(farm, sha, undefined, repo);
        if (round > 0) later.push({ wall: b.wall, routing: b.routing });
      }
    await other.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    result[mode] = {
      median: median(later.map((l) => l.wall)),
      affine: later.filter((l) => l.routing === "affine").length,
      builds: later.length,
    };
    say(
      `  routing ${mode}: ${result[mode].affine}/${later.length} later builds on the repository's first host, median ${result[mode].median.toFixed(0)} ms`,
    );
  }
  await farm.restartWorker();
  const on = result.on!;
  const off = result.off!;
  say(
    `  ${"farm, routing on vs off (2 hosts, later builds)".padEnd(52)} ${on.median.toFixed(0).padStart(7)} ms ${(on.median / off.median).toFixed(2)}x routing off; affine ${on.affine}/${on.builds} vs ${off.affine}/${off.builds}`,
  );
}

async function benchWorkload(farm: TestFarm, w: Workload) {
  const r = {
    plainCold: [] as number[],
    plainWarm: [] as number[],
    farmCold: [] as number[],
    farmWarm: [] as number[],
    farmNewCommit: [] as number[],
    farmHostB: [] as number[],
    farmCoalesced: [] as number[],
  };
  const files = (nonce: string) => ({ ".slipway.yml": null, "README.md": null, ...w.files(nonce) });
  for (let i = 0; i < ROUNDS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "slipway-bench-"));
    for (const [p, c] of Object.entries(w.files(randomUUID()))) writeFileSync(join(dir, p), c);
    r.plainCold.push(await plainBuild(dir, `${testEnv.registry}/bench/plain:cold-${i}`));
    r.plainWarm.push(await plainBuild(dir, `${testEnv.registry}/bench/plain:warm-${i}`));
    rmSync(dir, { recursive: true, force: true });

    const sha = farm.git.commit(REPO, files(randomUUID()), { branch: BRANCH });
    const cold = await farmBuild(farm, sha);
    const warm = await farmBuild(farm, sha);
    const next = farm.git.commit(REPO, { "README.md": `round ${i}\n` }, { branch: BRANCH });
    const fresh = await farmBuild(farm, next);
    // The same commit on a second host: its own empty daemon and git mirrors.
    const hostB = mkdtempSync(join(tmpdir(), "slipway-bench-host-b-"));
    await farm.restartWorker({ DOCKER_HOST: testEnv.dockerHostB }, { host: "bench-host-b", cacheDir: hostB });
    const onB = await farmBuild(farm, sha);
    // A tag pushed on the built commit, with coalescing on (as the farm runs by default): no
    // BuildKit run, the first build's image reused.
    await farm.restartWorker({}, { coalesce: true });
    farm.git.setRef(REPO, `refs/tags/bench-${i}-${randomUUID().slice(0, 8)}`, sha);
    const tag = `bench-${i}-${randomUUID().slice(0, 8)}`;
    farm.git.setRef(REPO, `refs/tags/${tag}`, sha);
    const coalesced = await farmBuild(farm, sha, `refs/tags/${tag}`);
    if (!coalesced.coalesced) throw new Error("the tag's build ran BuildKit: it was not coalesced");
    await farm.restartWorker();
    rmSync(hostB, { recursive: true, force: true });
    r.farmCold.push(cold.wall);
    r.farmWarm.push(warm.wall);
    r.farmNewCommit.push(fresh.wall);
    r.farmHostB.push(onB.wall);
    r.farmCoalesced.push(coalesced.wall);
    say(
      `  round ${i + 1}/${ROUNDS}: plain cold ${r.plainCold.at(-1)!.toFixed(0)} ms, plain warm ${r.plainWarm.at(-1)!.toFixed(0)} ms, farm cold ${cold.wall.toFixed(0)} ms (${cold.cached} cached), warm ${warm.wall.toFixed(0)} ms (${warm.cached}), new commit ${fresh.wall.toFixed(0)} ms (${fresh.cached}), host B ${onB.wall.toFixed(0)} ms (${onB.cached}), tag coalesced ${coalesced.wall.toFixed(0)} ms`,
    );
  }
  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)])) as Record<keyof typeof r, number>;
  const row = (name: string, ms: number, note = "") => say(`  ${name.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms ${note}`);
  say(`  medians of ${ROUNDS} rounds:`);
  row("plain buildx, cold (--push, no cache flags)", m.plainCold);
  row("plain buildx, warm (local cache)", m.plainWarm);
  row("farm, cold: webhook -> succeeded", m.farmCold, `${(m.farmCold / m.plainCold).toFixed(2)}x plain cold`);
  row(
    "farm, same commit again",
    m.farmWarm,
    `${(m.farmWarm / m.plainWarm).toFixed(2)}x plain warm, ${(m.farmWarm / m.farmCold).toFixed(2)}x farm cold`,
  );
  row("farm, new commit, Dockerfile unchanged", m.farmNewCommit, `${(m.farmNewCommit / m.farmCold).toFixed(2)}x farm cold`);
  row(
    "farm, first build on a second host (empty daemon)",
    m.farmHostB,
    `${(m.farmHostB / m.farmCold).toFixed(2)}x farm cold, ${(m.farmHostB / m.plainCold).toFixed(2)}x plain cold, ${(m.farmHostB / m.farmWarm).toFixed(2)}x same commit again`,
  );
  row(
    "farm, tag on a built commit (coalesced: no BuildKit run)",
    m.farmCoalesced,
    `${(m.farmCoalesced / m.farmWarm).toFixed(2)}x same commit again, ${(m.farmCoalesced / m.farmCold).toFixed(2)}x farm cold`,
  );
}

async function main(): Promise<void> {
  const teardown = await globalSetup();
  env = await withRegistryLogin(env);
  await pushDebianGccImage(env, testEnv.registry, say);
  // Host B pulls its base images from the registry like any new host.
  // Every build runs BuildKit (what is measured is its cache) but the coalesced row's.
  const farm = await startTestFarm({ coalesce: false });
  try {
    for (const w of workloads) {
      say(`\n${w.name}`);
      await benchWorkload(farm, w);
      await benchRouting(farm, w);
    }
  } finally {
    await farm.close();
    await teardown();
  }
  process.exit(0);
}

runBench(main);
