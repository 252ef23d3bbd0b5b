// npm run bench:dispatch [ROUNDS] [DELIVERIES] — dispatch latency with an idle worker: the
// real api and one real worker process; signed pushes of a trivial Dockerfile sent one at a
// time; for each, the time from the webhook's 202 to the build running (build.started on the
// farm's event stream, written right after the worker's "running" commit). Each build ends
// before the next push, so the worker is idle, waiting on the queue, when a push arrives.
// Prints p50/p99 (medians of ROUNDS rounds); writes JSON to .slipway/bench/.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { testEnv, TestGitServer } from "@slipway/testing";
import globalSetup from "@slipway/testing/global-setup";
import { startBenchFarm, type BenchFarm } from "./bench-farm";
import { BuildEventClock } from "./build-event-clock";
import { median, printTable, quantile, runBench, writeBenchJson } from "./bench-report";
import { SignedPushes } from "./signed-pushes";

const ROUNDS = Number(process.argv[2] ?? 3);
// 50 a round: a p99 of 20 samples would only be their maximum.
const DELIVERIES = Number(process.argv[3] ?? 50);
const WARMUP = 2;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WEBHOOK_SECRET = randomBytes(24).toString("hex");
const API_TOKEN = randomBytes(24).toString("hex");
const say = (s: string) => process.stdout.write(`${s}\n`);

interface Sample {
  buildId: string;
  /** 202 answer -> build.started seen here, ms */
  answerToRunningMs: number;
  /** request sent -> build.started seen here, ms */
  requestToRunningMs: number;
  /** the webhook's own latency, ms */
  webhookMs: number;
  status: string;
}

async function dispatchOnce(farm: BenchFarm, clock: BuildEventClock, pushes: SignedPushes, sha: string): Promise<Sample> {
  const res = await pushes.post(farm.url, sha);
  if (res.status !== 202 || !res.buildId) throw new Error(`push answered ${res.status}`);
  const running = await clock.startedAt(res.buildId);
  const status = await clock.finishedStatus(res.buildId);
  // The worker settles its job after build.finished: let it be idle on the queue again.
  await new Promise((r) => setTimeout(r, 200));
  return {
    buildId: res.buildId,
    answerToRunningMs: running - res.answeredAt,
    requestToRunningMs: running - res.sentAt,
    webhookMs: res.answeredAt - res.sentAt,
    status,
  };
}

async function main(): Promise<void> {
  const teardown = await globalSetup();
  const git = await TestGitServer.start();
  const clock = BuildEventClock.start(testEnv.redisUrl);
  const pushes = new SignedPushes(WEBHOOK_SECRET);
  const example = pushes.next();
  const fullName = (JSON.parse(example.body) as { repository: { full_name: string } }).repository.full_name;
  const sha = git.commit(
    fullName,
    { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo dispatch-bench > /built\n` },
    { branch: "master" },
  );
  const farm = await startBenchFarm({
    root: ROOT,
    name: "dispatch",
    webhookSecret: WEBHOOK_SECRET,
    apiToken: API_TOKEN,
    workers: 1,
    gitBaseUrl: git.baseUrl,
  });
  try {
    // The first builds clone the mirror and pull the base image: not dispatch.
    for (let i = 0; i < WARMUP; i++) await dispatchOnce(farm, clock, pushes, sha);
    const rounds: Sample[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const samples: Sample[] = [];
      for (let i = 0; i < DELIVERIES; i++) samples.push(await dispatchOnce(farm, clock, pushes, sha));
      const ms = samples.map((s) => s.answerToRunningMs);
      say(
        `  round ${r + 1}/${ROUNDS}: 202 -> running p50 ${quantile(ms, 0.5).toFixed(1)} ms, p99 ${quantile(ms, 0.99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`,
      );
      rounds.push(samples);
    }
    // The database's clocks for the same builds: queued_at (stored) -> started_at (worker).
    const ids = rounds.flat().map((s) => s.buildId);
    const dbRows = await farm.db.build.findMany({ where: { id: { in: ids } }, select: { queuedAt: true, startedAt: true } });
    const dbMs = dbRows.filter((b) => b.startedAt).map((b) => b.startedAt!.getTime() - b.queuedAt.getTime());
    const per = (pick: (s: Sample) => number, q: number) => median(rounds.map((ss) => quantile(ss.map(pick), q)));
    say(`\nmedians of ${ROUNDS} rounds of ${DELIVERIES} deliveries, one at a time, 1 idle worker`);
    printTable(
      ["measure", "p50 ms", "p99 ms"],
      [
        [
          "webhook 202 -> build running (event seen)",
          per((s) => s.answerToRunningMs, 0.5).toFixed(1),
          per((s) => s.answerToRunningMs, 0.99).toFixed(1),
        ],
        [
          "webhook 202 -> build running, all rounds pooled",
          quantile(
            rounds.flat().map((s) => s.answerToRunningMs),
            0.5,
          ).toFixed(1),
          quantile(
            rounds.flat().map((s) => s.answerToRunningMs),
            0.99,
          ).toFixed(1),
        ],
        [
          "webhook request -> build running",
          per((s) => s.requestToRunningMs, 0.5).toFixed(1),
          per((s) => s.requestToRunningMs, 0.99).toFixed(1),
        ],
        ["webhook request -> 202", per((s) => s.webhookMs, 0.5).toFixed(1), per((s) => s.webhookMs, 0.99).toFixed(1)],
        ["db: queued_at -> started_at (all rounds pooled, ms clock)", quantile(dbMs, 0.5).toFixed(1), quantile(dbMs, 0.99).toFixed(1)],
      ],
    );
    const failed = rounds.flat().filter((s) => s.status !== "succeeded").length;
    if (failed) say(`!!! ${failed} builds did not succeed (dispatch times still count; see .slipway/bench/logs/dispatch-worker-1.log)`);
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    say(
      `\nJSON: ${writeBenchJson(ROOT, "dispatch", { suite: "dispatch", commit, at: new Date().toISOString(), rounds: ROUNDS, deliveries: DELIVERIES, samples: rounds, dbQueuedToStartedMs: dbMs })}`,
    );
  } finally {
    await farm.close();
    await clock.close();
    await git.destroy();
    await teardown();
  }
  process.exit(0);
}

runBench(main);
