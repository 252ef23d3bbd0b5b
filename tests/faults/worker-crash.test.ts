// Fault: a build worker SIGKILLed mid-build, its buildx process group with it (a host that
// dies). The build goes to the other worker once the dead one's job lock runs out, runs again
// and is published once; the dead try records nothing; nothing is left running.
import { randomUUID } from "node:crypto";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { checkInvariants, publishesSettled, recordFault } from "./invariants";
import { alive, descendants, processGroup } from "./process-tree";

const TARGET = `${testEnv.publishRegistry}/faults/worker-crash`;
let farm: ProcessFarm;

beforeAll(async () => {
  farm = await startProcessFarm({
    name: "fault-worker-crash",
    workers: 2,
    env: {
      api: { SLIPWAY_MAINTENANCE_TICK_MS: "1000", SLIPWAY_RECONCILE_GRACE_MS: "5000" },
      worker: { SLIPWAY_BUILD_LOCK_MS: "4000" },
    },
  });
});
afterAll(async () => {
  await farm?.close();
});

describe("a worker killed mid-build", () => {
  it("another worker finishes the build, it is published once, and the killed try records nothing", async () => {
    // Each commit new work, slow enough (sleep) to be killed in the middle; its own branch, so
    // no push supersedes another.
    const pushes = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const branch = `crash-${i}-${randomUUID().slice(0, 8)}`;
        const sha = farm.git.commit(
          REPO,
          {
            Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\nRUN sleep 4 && cat /id.txt > /copy.txt\n`,
            "id.txt": `${randomUUID()}\n`,
            ".slipway.yml": `publish:\n  - image: ${TARGET}\n`,
          },
          { branch },
        );
        return pushCommit(farm.url, sha, { ref: `refs/heads/${branch}` });
      }),
    );
    // Wait for worker-1 to be in the middle of a build: its buildx is running.
    const worker = farm.processes().find((p) => p.name === "worker-1")!;
    let victim: string | undefined;
    let buildx: number[] = [];
    await eventually(
      async () => {
        const running = await farm.db.build.findFirst({ where: { id: { in: pushes }, status: "running", workerId: "bench-w1" } });
        buildx = descendants(worker.pid);
        victim = running?.id;
        return victim !== undefined && buildx.length > 0;
      },
      120_000,
      "worker-1 to be building",
    );
    await new Promise((r) => setTimeout(r, 1500)); // into the RUN step
    const groups = new Set(buildx.map(processGroup).filter((g): g is number => g !== undefined && g !== processGroup(worker.pid)));
    buildx = descendants(worker.pid);
    await farm.kill("worker-1", "SIGKILL");
    for (const g of groups) {
      try {
        process.kill(-g, "SIGKILL");
      } catch {
        // already gone
      }
    }

    await eventually(
      async () => (await farm.db.build.count({ where: { id: { in: pushes }, status: { in: ["queued", "running"] } } })) === 0,
      180_000,
      "every build to end",
    );
    await eventually(async () => publishesSettled(farm.db, pushes), 60_000, "every publish to end");
    const builds = await farm.db.build.findMany({ where: { id: { in: pushes } }, include: { attempts: true, publishes: true } });
    for (const b of builds) {
      expect(b.status, `build ${b.id}: ${b.errorMessage}`).toBe("succeeded");
      expect(b.publishes.length).toBeGreaterThan(0);
      for (const p of b.publishes) expect(p.status).toBe("pushed");
    }
    const killed = builds.find((b) => b.id === victim)!;
    expect(killed.workerId).toBe("bench-w2");
    expect(killed.attempts[0]!.tries).toBe(2);

    const counts = await checkInvariants(farm.db, pushes, {
      acknowledged: pushes.length,
      fiveXX: 0,
      allowedTries: (id) => (id === victim ? 2 : 1),
    });
    counts.leaked = buildx.filter(alive).length;
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, publishProblems: 0, leaked: 0 });
    recordFault("worker-crash", "a build worker SIGKILLed mid-build, its buildx process group too", pushes.length, counts, [
      `the killed build finished on the other worker, try 2 of attempt 1`,
    ]);
  });
});
