// Fault: the Docker daemon restarted during a build (SIGTERM while a RUN step runs, down a few
// seconds, started again with the same config). The daemon is the test's own (TestDockerd: the
// ones infra starts must not be restarted), and both workers build on it. The interrupted
// try fails as the farm's failure, is retried, and succeeds once the daemon is back; a build
// pushed after the restart builds on the first try; nothing is left running.
import { randomUUID } from "node:crypto";
import { TestDockerd, testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { checkInvariants, publishesSettled, recordFault } from "./invariants";
import { commandOf, descendants, leftBehind, namespaceOf } from "./process-tree";

const TARGET = `${testEnv.publishRegistry}/faults/docker-restart`;
const DOWN_MS = 4_000;
let daemon: TestDockerd | undefined;
let farm: ProcessFarm | undefined;

beforeAll(async () => {
  // A bridge name of this run's own: the test profile's port base and this process.
  daemon = await TestDockerd.start(`docker-restart-${process.env.SLIPWAY_TEST_PORT_BASE ?? "25000"}-${process.pid}`);
  farm = await startProcessFarm({ name: "fault-docker-restart", workers: 2, env: { worker: { DOCKER_HOST: daemon.host } } });
});
afterAll(async () => {
  await farm?.close();
  await daemon?.destroy();
});

/** One push of new work on a branch of its own (no push supersedes another), slow enough in its RUN step to be interrupted. */
async function push(f: ProcessFarm, name: string): Promise<string> {
  const branch = `${name}-${randomUUID().slice(0, 8)}`;
  const sha = f.git.commit(
    REPO,
    {
      Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\nRUN sleep 5 && cat /id.txt > /copy.txt\n`,
      "id.txt": `${randomUUID()}\n`,
      ".slipway.yml": `publish:\n  - image: ${TARGET}\n`,
    },
    { branch },
  );
  return pushCommit(f.url, sha, { ref: `refs/heads/${branch}` });
}

describe("the Docker daemon restarted during a build", () => {
  it("the interrupted try fails as the farm's, the retry succeeds on the restarted daemon, published once, nothing left running", async () => {
    const f = farm!;
    const d = daemon!;
    const before = await Promise.all(Array.from({ length: 4 }, (_, i) => push(f, `dockerd-${i}`)));

    // Mid-BuildKit-run: a RUN step's process is running in a container of the daemon.
    await eventually(async () => d.containerProcesses().length > 0, 120_000, "a RUN step to be running on the test daemon");
    await new Promise((r) => setTimeout(r, 1000));
    // Interrupted: the builds whose buildx is running when the daemon stops.
    const buildxOf = (workerId: string | null) => {
      const worker = f.processes().find((p) => `bench-w${p.name.slice("worker-".length)}` === workerId);
      return worker ? descendants(worker.pid).filter((pid) => commandOf(pid).includes("buildx")) : [];
    };
    const running = await f.db.build.findMany({ where: { id: { in: before }, status: "running" } });
    const interrupted = running.filter((b) => buildxOf(b.workerId).length > 0).map((b) => b.id);
    expect(interrupted.length).toBeGreaterThan(0);
    const daemonPid = d.pid;
    const stoppedAt = Date.now();
    await d.stop();
    const stopMs = Date.now() - stoppedAt;
    // dockerd does not wait for (or kill) a RUN step's processes when it stops: they are left
    // running, reparented to init, until they end by themselves (here within the step's 5 s).
    const orphaned = d.containerProcesses();
    const orphanedSteps = new Set(orphaned.map((pid) => namespaceOf(pid, "pid"))).size;
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await d.startAgain();
    expect(d.pid).not.toBe(daemonPid);

    // After the restart: a new build must not find the builder broken (one try).
    const after = await push(f, "dockerd-after");
    const all = [...before, after];
    await eventually(
      async () => (await f.db.build.count({ where: { id: { in: all }, status: { in: ["queued", "running"] } } })) === 0,
      150_000,
      "every build to end",
    );
    await eventually(async () => publishesSettled(f.db, all), 60_000, "every publish to end");
    const builds = await f.db.build.findMany({ where: { id: { in: all } }, include: { attempts: true, publishes: true } });
    for (const b of builds) {
      expect(b.status, `build ${b.id}: ${b.errorMessage}`).toBe("succeeded");
      expect(b.publishes.length).toBeGreaterThan(0);
      for (const p of b.publishes) expect(p.status).toBe("pushed");
    }
    const tries = new Map(builds.map((b) => [b.id, b.attempts.reduce((n, a) => n + a.tries, 0)]));
    const logs = new Map(
      await Promise.all(all.map(async (id) => [id, await f.apiFetch(`/builds/${id}/logs`).then((r) => r.text())] as const)),
    );
    // The interrupted builds: their try failed as the farm's, naming the daemon; the next succeeded.
    for (const id of interrupted) expect(tries.get(id), `tries of interrupted build ${id}`).toBe(2);
    for (const id of all.filter((b) => tries.get(b) === 2)) {
      expect(logs.get(id)).toMatch(/build failed \(infrastructure failure\) after [\d.]+s: .*Docker daemon/);
      expect(logs.get(id)).toMatch(/infrastructure failures are retried/);
      expect(logs.get(id)).toMatch(/attempt 1 \(try 2\) on worker/);
    }
    // The one whose RUN step was running (at least): buildx lost the daemon mid-build.
    const lostMidBuild = interrupted.filter((id) => /: lost the connection to the Docker daemon mid-build/.test(logs.get(id)!));
    expect(lostMidBuild.length).toBeGreaterThan(0);
    expect(tries.get(after)).toBe(1);

    const leftover = await leftBehind(f);
    expect(leftover).toEqual([]);
    const containers = d.containerProcesses();
    expect(containers).toEqual([]);
    expect((await d.docker(["ps", "-aq"])).trim()).toBe("");

    // A build still queued when the daemon stopped used no try: a worker whose daemon does not
    // answer gives the job back and takes none until it does (the builds interrupted mid-RUN
    // used one more).
    const counts = await checkInvariants(f.db, all, {
      acknowledged: all.length,
      fiveXX: 0,
      allowedTries: (id) => (interrupted.includes(id) ? 2 : 1),
    });
    counts.leaked = leftover.length + containers.length;
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, publishProblems: 0, leaked: 0 });
    recordFault(
      "docker-restart",
      `the Docker daemon restarted during a build (SIGTERM mid-RUN, down ${DOWN_MS / 1000} s, started again)`,
      all.length,
      counts,
      [
        `${interrupted.length} builds interrupted mid-RUN, each succeeded on try 2; tries per build: ${all.map((id) => tries.get(id)).join(", ")}`,
        `try 1 failed as the farm's: "${/: (lost the connection to the Docker daemon mid-build[^:]*)/.exec(logs.get(lostMidBuild[0]!)!)?.[1]}"`,
        `dockerd took ${(stopMs / 1000).toFixed(1)} s to stop and left the processes of ${orphanedSteps} RUN step(s) (${orphaned.length} in all) running, reparented to init, until they ended by themselves`,
      ],
    );
  });
});
