// Fault: PostgreSQL stopped for 30 s (as a crash: connections cut) while builds run. Webhooks
// answer 503 (nothing half-stored: GitHub's redelivery, or the sender, tries again); builds in
// flight are not failed for it; every process recovers by itself once PostgreSQL is back.
import { randomUUID } from "node:crypto";
import { testEnv, TestPostgres } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { checkInvariants, publishesSettled, recordFault } from "./invariants";
import { leftBehind } from "./process-tree";

const TARGET = `${testEnv.publishRegistry}/faults/postgres-outage`;
let pg: TestPostgres;
let farm: ProcessFarm;

beforeAll(async () => {
  pg = await TestPostgres.start();
  farm = await startProcessFarm({
    name: "fault-postgres-outage",
    workers: 2,
    databaseUrl: pg.url(),
    env: { api: { SLIPWAY_MAINTENANCE_TICK_MS: "1000", SLIPWAY_RECONCILE_GRACE_MS: "5000" }, worker: { SLIPWAY_BUILD_LOCK_MS: "5000" } },
  });
});
afterAll(async () => {
  try {
    pg?.start();
  } catch {
    // already running
  }
  await farm?.close();
  pg?.destroy();
});

const commit = (branch: string) =>
  farm.git.commit(
    REPO,
    {
      Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\nRUN sleep 3 && cat /id.txt > /copy.txt\n`,
      "id.txt": `${randomUUID()}\n`,
      ".slipway.yml": `publish:\n  - image: ${TARGET}\n`,
    },
    { branch },
  );

describe("PostgreSQL stopped for 30 s while builds run", () => {
  it("webhooks answer 503, builds in flight end succeeded, and everything recovers by itself", async () => {
    const branches = Array.from({ length: 3 }, (_, i) => `pg-${i}-${randomUUID().slice(0, 8)}`);
    const builds = await Promise.all(branches.map((b) => pushCommit(farm.url, commit(b), { ref: `refs/heads/${b}` })));
    await eventually(
      async () => (await farm.db.build.count({ where: { id: { in: builds }, status: "running" } })) > 0,
      60_000,
      "a build to be running",
    );

    pg.stop();
    const during: number[] = [];
    const outageEnds = Date.now() + 30_000;
    const late = `pg-late-${randomUUID().slice(0, 8)}`;
    const lateSha = commit(late);
    while (Date.now() < outageEnds) {
      const status = await pushCommit(farm.url, lateSha, { ref: `refs/heads/${late}` }).then(
        () => 202,
        (err: Error) => Number(/accepted: (\d+)/.exec(err.message)?.[1] ?? 0),
      );
      during.push(status);
      await new Promise((r) => setTimeout(r, 1000));
    }
    pg.start();

    expect(during.length).toBeGreaterThan(20);
    expect(new Set(during)).toEqual(new Set([503]));
    // The sender tries again once the farm is back (GitHub: the redeliver task, or a person).
    let again: string | undefined;
    await eventually(
      async () => {
        again = await pushCommit(farm.url, lateSha, { ref: `refs/heads/${late}` }).catch(() => undefined);
        return again !== undefined;
      },
      60_000,
      "the api to take deliveries again",
    );
    const all = [...builds, again!];
    await eventually(
      async () => (await farm.db.build.count({ where: { id: { in: all }, status: { in: ["queued", "running"] } } })) === 0,
      180_000,
      "every build to end",
    );
    await eventually(async () => publishesSettled(farm.db, all), 60_000, "every publish to end");
    const rows = await farm.db.build.findMany({ where: { id: { in: all } }, include: { attempts: true } });
    for (const b of rows) expect(b.status, `build ${b.id}: ${b.errorMessage}`).toBe("succeeded");
    // A try that ends during the outage waits for PostgreSQL to record its outcome: no build
    // runs twice.
    const counts = await checkInvariants(farm.db, all, { acknowledged: all.length, fiveXX: 0, allowedTries: () => 1 });
    const left = await leftBehind(farm);
    counts.leaked = left.length;
    expect(left).toEqual([]);
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, publishProblems: 0, leaked: 0 });
    const tries = rows.map((b) => b.attempts[0]!.tries);
    recordFault("postgres-outage", "PostgreSQL stopped for 30 s (connections cut) while builds run", all.length, counts, [
      `${during.length} deliveries during the outage, all answered 503`,
      `tries per build: ${tries.join(", ")}`,
    ]);
  });
});
