// npm run bench:ingest [ROUNDS] [SECONDS] — signed push deliveries through POST /webhooks/github
// of the real api process (on loopback, 64 connections) at fixed rates with evenly spaced
// arrivals (undici) and at saturation (autocannon), with builds idle and with 2 worker processes building; next to the limits
// measured in the same round: pgbench doing the same inserts one transaction per delivery,
// and raw BullMQ Queue.add. Prints medians of ROUNDS rounds and the ratios; writes JSON to
// .slipway/bench/. SLIPWAY_BENCH_SCENARIOS=idle or =building runs one scenario only;
// SLIPWAY_BENCH_CPU_PROF=1 also writes the api's CPU profiles to .slipway/bench/profiles/ (read
// them with tests/bench/cpu-profile-top.ts).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import type { Db } from "@slipway/db";
import { testEnv, TestGitServer } from "@slipway/testing";
import globalSetup from "@slipway/testing/global-setup";
import { startBenchFarm } from "./bench-farm";
import { median, printTable, runBench, writeBenchJson } from "./bench-report";
import { startCpuBuilds } from "./cpu-builds";
import { PGBENCH_HOOK_ID, runPgbenchInserts, type PgbenchResult } from "./pgbench-inserts";
import { runQueueAdds, type QueueAddResult } from "./queue-add-rate";
import { SignedPushes } from "./signed-pushes";
import { runWebhookLoad, type LoadResult } from "./webhook-load";

const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 8);
const RATES = [250, 500, 1000];
const CONNECTIONS = 64;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Made per run and handed to the api through its environment.
const WEBHOOK_SECRET = randomBytes(24).toString("hex");
const API_TOKEN = randomBytes(24).toString("hex");
const say = (s: string) => process.stdout.write(`${s}\n`);

interface Round {
  loads: LoadResult[];
  /** the same rows, the repository upserted by every delivery (as main does) */
  pgbench: PgbenchResult;
  /** the same rows, the repository row only inserted when missing (no hot row lock) */
  pgbenchInsertOnly: PgbenchResult;
  queueAdds: QueueAddResult;
}

interface ScenarioResult {
  name: string;
  workers: number;
  rounds: Round[];
  /** deliveries answered 2xx vs rows stored: fewer rows than 2xx answers is a lost push */
  answered2xx: number;
  storedDeliveries: number;
  /** "2 workers building": were the CPU builds still running when the measurement ended */
  buildsRanThroughout?: boolean;
}

/** Waits until the api's relay has enqueued every stored build, so one load run's backlog does not slow the next. */
async function outboxDrained(db: Db, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await db.outboxMessage.count({ where: { dispatchedAt: null } })) > 0) {
    if (Date.now() > deadline) throw new Error("the outbox did not drain within 60 s");
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function measureRound(url: string, db: Db, databaseUrl: string): Promise<Round> {
  const pushes = new SignedPushes(WEBHOOK_SECRET);
  const loads: LoadResult[] = [];
  for (const rate of [...RATES, null]) {
    const r = await runWebhookLoad(url, pushes, { rate, connections: CONNECTIONS, seconds: SECONDS });
    say(
      `    ${rate ? `${rate}/s` : "saturation"}: ${r.okPerS.toFixed(0)} 2xx/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, 503 ${r.status["503"]}, 500 ${r.status["500"]}`,
    );
    if (r.status["500"])
      say(`    !!! ${r.status["500"]} deliveries answered 500 (each a lost push), e.g.: ${r.samples500[0] ?? "(no body)"}`);
    loads.push(r);
    await outboxDrained(db);
  }
  const pgbench = await runPgbenchInserts(databaseUrl, { mode: "upsert", clients: CONNECTIONS, seconds: SECONDS });
  const pgbenchInsertOnly = await runPgbenchInserts(databaseUrl, { mode: "insert-only", clients: CONNECTIONS, seconds: SECONDS });
  say(
    `    pgbench: ${pgbench.tps.toFixed(0)} tx/s with the repository upsert (avg ${pgbench.latencyAvgMs} ms), ${pgbenchInsertOnly.tps.toFixed(0)} tx/s insert-only (avg ${pgbenchInsertOnly.latencyAvgMs} ms)`,
  );
  const queueAdds = await runQueueAdds(testEnv.redisUrl, { concurrency: CONNECTIONS, seconds: SECONDS });
  say(`    Queue.add: ${queueAdds.addsPerS.toFixed(0)}/s`);
  return { loads, pgbench, pgbenchInsertOnly, queueAdds };
}

async function runScenario(name: string, workers: number, git: TestGitServer): Promise<ScenarioResult> {
  say(`\n${name}`);
  // Node names each thread's profile (the main thread's is the largest; tsx's loader thread has one too).
  const cpuProf =
    process.env.SLIPWAY_BENCH_CPU_PROF === "1"
      ? ["--cpu-prof", `--cpu-prof-dir=${join(ROOT, ".slipway", "bench", "profiles", `api-${name.replace(/\W+/g, "-")}-${Date.now()}`)}`]
      : [];
  const farm = await startBenchFarm({
    root: ROOT,
    name: name.replace(/\W+/g, "-"),
    webhookSecret: WEBHOOK_SECRET,
    apiToken: API_TOKEN,
    workers,
    gitBaseUrl: git.baseUrl,
    apiNodeArgs: cpuProf,
  });
  try {
    // Long enough for every round: (4 loads + 2 pgbench + Queue.add) x (SECONDS + drain) each.
    const cpu = workers
      ? await startCpuBuilds({
          git,
          apiUrl: farm.url,
          apiToken: API_TOKEN,
          db: farm.db,
          secret: WEBHOOK_SECRET,
          count: workers,
          seconds: ROUNDS * 7 * (SECONDS + 10) + 60,
        })
      : undefined;
    // The RUN step starts after the fetch and the base image: give it time to be on the CPU.
    if (cpu) await new Promise((r) => setTimeout(r, 10_000));
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      say(`  round ${i + 1}/${ROUNDS}`);
      rounds.push(await measureRound(farm.url, farm.db, farm.database.url));
    }
    const buildsRanThroughout = cpu ? await cpu.allRunning() : undefined;
    await cpu?.cancel();
    const answered2xx = rounds.flatMap((r) => r.loads).reduce((n, l) => n + l.status["2xx"], 0);
    const storedDeliveries = await farm.db.webhookDelivery.count({
      where: { repository: { fullName: "Codertocat/Hello-World" }, hookId: { not: PGBENCH_HOOK_ID } },
    });
    return { name, workers, rounds, answered2xx, storedDeliveries, ...(buildsRanThroughout === undefined ? {} : { buildsRanThroughout }) };
  } finally {
    await farm.close();
  }
}

function loadLabel(rate: number | null) {
  return rate ? `${rate}/s` : `saturation (${CONNECTIONS} conn)`;
}

function report(scenarios: ScenarioResult[]): void {
  say(`\nmedians of ${ROUNDS} rounds of ${SECONDS} s each (2xx/s: deliveries answered 2xx per second; statuses summed over rounds)`);
  const rows: (string | number)[][] = [];
  for (const s of scenarios) {
    for (let i = 0; i <= RATES.length; i++) {
      const ls = s.rounds.map((r) => r.loads[i]!);
      const sum = (k: keyof LoadResult["status"]) => ls.reduce((n, l) => n + l.status[k], 0);
      const vsPg = median(s.rounds.map((r) => r.loads[i]!.okPerS / r.pgbench.tps));
      const vsPgInsert = median(s.rounds.map((r) => r.loads[i]!.okPerS / r.pgbenchInsertOnly.tps));
      rows.push([
        `${s.name}, ${loadLabel(ls[0]!.rate)}`,
        median(ls.map((l) => l.okPerS)).toFixed(0),
        median(ls.map((l) => l.p50Ms)).toFixed(1),
        median(ls.map((l) => l.p99Ms)).toFixed(1),
        sum("2xx"),
        sum("503"),
        sum("500") ? `${sum("500")} !!!` : 0,
        sum("other") + sum("errors") + sum("timeouts"),
        `${vsPg.toFixed(3)}x`,
        `${vsPgInsert.toFixed(3)}x`,
      ]);
    }
    // A limit measured beside the webhook: its name, rate and latency, and which ratio column it is 1x of.
    const limit = (name: string, perS: number[], avgMs: number[] | null, baseOf: "A" | "B" | null) =>
      rows.push([
        `${s.name}: ${name}`,
        median(perS).toFixed(0),
        avgMs ? `${median(avgMs).toFixed(1)} avg` : "",
        ...Array<string>(5).fill(""),
        baseOf === "A" ? "1x" : "",
        baseOf === "B" ? "1x" : "",
      ]);
    const of = <T>(pick: (r: ScenarioResult["rounds"][number]) => T) => s.rounds.map(pick);
    limit(
      `pgbench A, same rows + repository upsert, ${CONNECTIONS} clients`,
      of((r) => r.pgbench.tps),
      of((r) => r.pgbench.latencyAvgMs),
      "A",
    );
    limit(
      `pgbench B, same rows, insert-only, ${CONNECTIONS} clients`,
      of((r) => r.pgbenchInsertOnly.tps),
      of((r) => r.pgbenchInsertOnly.latencyAvgMs),
      "B",
    );
    limit(
      `raw BullMQ Queue.add, ${CONNECTIONS} in flight`,
      of((r) => r.queueAdds.addsPerS),
      null,
      null,
    );
  }
  printTable(["scenario, load", "per s", "p50 ms", "p99 ms", "2xx", "503", "500", "other/err", "vs pgbench A", "vs pgbench B"], rows);
  const sat = (s: ScenarioResult) => median(s.rounds.map((r) => r.loads[RATES.length]!.okPerS));
  if (scenarios.length === 2)
    say(`\nsaturation while 2 workers build / builds idle: ${(sat(scenarios[1]!) / sat(scenarios[0]!)).toFixed(2)}x`);
  for (const s of scenarios) {
    say(
      `${s.name}: ${s.answered2xx} deliveries answered 2xx, ${s.storedDeliveries} stored${s.storedDeliveries < s.answered2xx ? " !!! fewer stored than acknowledged: lost pushes" : ""}`,
    );
    if (s.buildsRanThroughout === false)
      say(`!!! ${s.name}: a CPU build ended before the measurement did: this scenario is not "2 workers building" throughout`);
  }
}

async function main(): Promise<void> {
  const only = process.env.SLIPWAY_BENCH_SCENARIOS?.split(",");
  const teardown = await globalSetup();
  const git = await TestGitServer.start();
  try {
    const scenarios: ScenarioResult[] = [];
    if (!only || only.includes("idle")) scenarios.push(await runScenario("builds idle", 0, git));
    if (!only || only.includes("building")) scenarios.push(await runScenario("2 workers building", 2, git));
    report(scenarios);
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    say(
      `\nJSON: ${writeBenchJson(ROOT, "ingest", { suite: "ingest", commit, at: new Date().toISOString(), rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, rates: RATES, scenarios })}`,
    );
  } finally {
    await git.destroy();
    await teardown();
  }
  process.exit(0);
}

runBench(main);
