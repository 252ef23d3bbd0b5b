import { fileURLToPath } from "node:url";
// npm run bench:scale [ROUNDS] [BUILDS] [WORKERS] — BUILDS small builds (default 100) pushed at
// once onto a farm of 1, 2 and 4 build worker processes (WORKERS, comma-separated): builds per
// minute from the first push to the last build's end, the ratio to 1 worker, and a check that
// none was lost or duplicated (exactly BUILDS builds succeeded, one attempt and one try each,
// one finished buildx run each in the workers' logs, BUILDS distinct digests). Workers are
// separate processes (process-farm.ts): a deployment scales by processes, and in one process
// they would share an event loop.
// Medians of ROUNDS rounds (default 1: one round of 100 builds on 1 worker takes minutes).
import { randomUUID } from "node:crypto";
import { testEnv } from "@slipway/testing";
import globalSetup from "@slipway/testing/global-setup";
import { eventually } from "../../apps/api/test/harness";
import { pushCommit, REPO } from "../e2e/push-payload";
import { quantile, runBench, writeBenchJson } from "./bench-report";
import { startProcessFarm, type ProcessFarm } from "./process-farm";

const BENCH_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ROUNDS = Number(process.argv[2] ?? 1);
const BUILDS = Number(process.argv[3] ?? 100);
const WORKERS = (process.argv[4] ?? "1,2,4").split(",").map(Number);
const say = (s: string) => process.stdout.write(`${s}\n`);

// A small build whose every commit is new work: the COPY of a file unique to the commit and
// the RUN after it miss the cache, the FROM is shared.
const files = (id: string) => ({
  ".slipway.yml": null,
  Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\nRUN cat /id.txt > /copy.txt\n`,
  "id.txt": `${id}\n`,
});

interface RoundResult {
  workers: number;
  seconds: number;
  buildsPerMin: number;
  succeeded: number;
  failed: number;
  attempts: number;
  /** tries recorded on the attempts (a try is one buildx run) */
  tries: number;
  /** buildx runs the workers logged as finished */
  buildkitRuns: number;
  digests: number;
  perWorker: Record<string, number>;
}

async function round(farm: ProcessFarm, workers: number, r: number): Promise<RoundResult> {
  // A branch per build: pushes to one branch may supersede each other, which is not under test.
  const shas = Array.from({ length: BUILDS }, (_, i) => {
    const branch = `scale-${workers}-${r}-${i}`;
    return { branch, sha: farm.git.commit(REPO, files(randomUUID()), { branch }) };
  });
  const t0 = performance.now();
  const ids = await Promise.all(shas.map(({ branch, sha }) => pushCommit(farm.url, sha, { ref: `refs/heads/${branch}` })));
  const ended = { status: { in: ["succeeded", "failed", "cancelled"] as ("succeeded" | "failed" | "cancelled")[] } };
  await eventually(async () => (await farm.db.build.count({ where: { id: { in: ids }, ...ended } })) === BUILDS, 30 * 60_000, "builds");
  const seconds = (performance.now() - t0) / 1000;
  const builds = await farm.db.build.findMany({ where: { id: { in: ids } }, include: { attempts: true } });
  // BuildKit runs as the workers saw them: one "build try finished" line per buildx run.
  const wanted = new Set(ids);
  const runs = farm
    .workerLogs()
    .split("\n")
    .filter((l) => l.includes('"build try finished"'))
    .map((l) => (JSON.parse(l) as { buildId?: string }).buildId)
    .filter((b) => b !== undefined && wanted.has(b)).length;
  const perWorker: Record<string, number> = {};
  for (const b of builds) perWorker[b.workerId ?? "none"] = (perWorker[b.workerId ?? "none"] ?? 0) + 1;
  return {
    workers,
    seconds,
    buildsPerMin: (BUILDS / seconds) * 60,
    succeeded: builds.filter((b) => b.status === "succeeded").length,
    failed: builds.filter((b) => b.status !== "succeeded").length,
    attempts: builds.reduce((n, b) => n + b.attempts.length, 0),
    tries: builds.reduce((n, b) => n + b.attempts.reduce((t, a) => t + a.tries, 0), 0),
    buildkitRuns: runs,
    digests: new Set(builds.map((b) => b.digest)).size,
    perWorker,
  };
}

async function main(): Promise<void> {
  // The template database, the token realm and the busybox base image (no download).
  const teardown = await globalSetup();
  const results: RoundResult[] = [];
  try {
    for (const workers of WORKERS) {
      for (let r = 0; r < ROUNDS; r++) {
        const farm = await startProcessFarm({ workers, name: `scale-w${workers}` });
        try {
          // One build first, so every configuration starts with the base image on the daemon.
          const warm = farm.git.commit(REPO, files(randomUUID()), { branch: `warm-${workers}-${r}` });
          const id = await pushCommit(farm.url, warm, { ref: `refs/heads/warm-${workers}-${r}` });
          await eventually(
            async () => (await farm.db.build.findUniqueOrThrow({ where: { id } })).status === "succeeded",
            300_000,
            "warm-up",
          );
          const res = await round(farm, workers, r);
          results.push(res);
          say(
            `  ${workers} worker(s), round ${r + 1}/${ROUNDS}: ${BUILDS} builds in ${res.seconds.toFixed(1)} s = ${res.buildsPerMin.toFixed(1)}/min; succeeded ${res.succeeded}, attempts ${res.attempts}, tries ${res.tries}, BuildKit runs logged ${res.buildkitRuns}, digests ${res.digests}; per worker ${JSON.stringify(res.perWorker)}`,
          );
        } finally {
          await farm.close();
        }
      }
    }
  } finally {
    await teardown();
  }

  const rate = (w: number) =>
    quantile(
      results.filter((r) => r.workers === w).map((r) => r.buildsPerMin),
      0.5,
    );
  const base = rate(WORKERS[0]!);
  const rows = WORKERS.map((w) => {
    const rs = results.filter((r) => r.workers === w);
    const ok = rs.every(
      (r) => r.succeeded === BUILDS && r.attempts === BUILDS && r.tries === BUILDS && r.buildkitRuns === BUILDS && r.digests === BUILDS,
    );
    return { workers: w, buildsPerMin: rate(w), ratio: rate(w) / base, noneLostOrDuplicated: ok };
  });
  say(`\nscale: ${BUILDS} builds, medians of ${ROUNDS} round(s)`);
  say(`  ${"workers".padEnd(8)} ${"builds/min".padStart(10)} ${`vs ${WORKERS[0]}`.padStart(7)}  none lost or duplicated`);
  for (const r of rows)
    say(
      `  ${String(r.workers).padEnd(8)} ${r.buildsPerMin.toFixed(1).padStart(10)} ${`${r.ratio.toFixed(2)}x`.padStart(7)}  ${r.noneLostOrDuplicated ? "yes" : "NO"}`,
    );
  say(`  written to ${writeBenchJson(BENCH_ROOT, "scale", { rounds: ROUNDS, builds: BUILDS, rows, runs: results })}`);
  process.exit(rows.every((r) => r.noneLostOrDuplicated) ? 0 : 1);
}

runBench(main);
