// Cache-aware routing across two build hosts (two real daemons): builds of a repository go to
// the host that built it while it has a free slot; when that host is busy, the other host
// takes the build once the routing wait is over, not after the busy host's build.
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, eventually } from "../../apps/api/test/harness";
import { launchChromium, newContext, screenshot, signIn } from "./browser";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;
const WAIT_MS = 3_000;
const repository = { id: randomInt(1e9, 2e9), fullName: `route/app-${randomBytes(3).toString("hex")}` };
let farm: TestFarm;
let dirB: string;
beforeAll(async () => {
  farm = await startTestFarm();
  dirB = mkdtempSync(join(tmpdir(), "slipway-route-b-"));
  // One worker (one slot) on each host; BullMQ alone would hand them jobs in turn.
  await farm.restartWorker({}, { host: "route-a", workerId: "route-a-w1", routeWaitMs: WAIT_MS });
  farm.addWorker({ DOCKER_HOST: testEnv.dockerHostB }, { host: "route-b", workerId: "route-b-w1", cacheDir: dirB, routeWaitMs: WAIT_MS });
});
afterAll(async () => {
  await farm?.close();
  rmSync(dirB, { recursive: true, force: true });
});

const files = (app: string, slow = false) => ({
  Dockerfile: `FROM ${BASE}\nCOPY app.txt /app.txt\nRUN cat /app.txt${slow ? " && sleep 60" : ""}\n`,
  "app.txt": app,
});
const push = (branch: string, app: string, slow = false) =>
  pushCommit(farm.api.url, farm.git.commit(repository.fullName, files(app, slow), { branch }), { ref: `refs/heads/${branch}`, repository });
const ended = async (id: string) => {
  const b = await farm.waitForEnd(id);
  expect(b.status, b.errorMessage ?? "").toBe("succeeded");
  return b;
};

describe("cache-aware routing", () => {
  it(
    "keeps a repository on the host that built it while it has a free slot, and falls back after the wait",
    { timeout: 240_000 },
    async () => {
      const first = await ended(await push("main", `first ${randomUUID()}\n`));
      expect(first.routing).toBe("any");
      const warm = first.host!;
      const cold = warm === "route-a" ? "route-b" : "route-a";

      // Four more builds one after the other: each time both hosts are free, and the warm one builds.
      for (let i = 0; i < 4; i++) {
        const b = await ended(await push("main", `again ${i} ${randomUUID()}\n`));
        expect({ host: b.host, routing: b.routing }).toEqual({ host: warm, routing: "affine" });
        expect(b.attempts.at(-1)!.routing).toBe("affine");
      }
      const log = await (await farm.apiFetch(`/builds/${first.id}/logs`)).text();
      expect(log).toContain(`slipway: routing any: no host has built ${repository.fullName} recently`);

      // The warm host's one slot is taken by a slow build; a build of another branch waits for it
      // WAIT_MS, then the cold host takes it while the slow build still runs.
      const slowId = await push("slow", `slow ${randomUUID()}\n`, true);
      await eventually(
        async () => (await farm.api.db.build.findUniqueOrThrow({ where: { id: slowId } })).status === "running",
        60_000,
        "slow build running",
      );
      const other = await ended(await push("other", `other ${randomUUID()}\n`));
      // It waited for the warm host (the wait), and did not wait for the slow build to end.
      expect((await farm.api.db.build.findUniqueOrThrow({ where: { id: slowId } })).status).toBe("running");
      expect({ host: other.host, routing: other.routing }).toEqual({ host: cold, routing: "fallback" });
      expect(other.startedAt!.getTime() - other.queuedAt.getTime()).toBeGreaterThanOrEqual(WAIT_MS - 200);
      // Given back to the queue again and again while it waited: no try used for that.
      expect(other.attempts.at(-1)!.tries).toBe(1);
      const api = (await (await farm.apiFetch(`/builds/${other.id}`)).json()) as { host: string; routing: string };
      expect(api).toMatchObject({ host: cold, routing: "fallback" });
      const otherLog = await (await farm.apiFetch(`/builds/${other.id}/logs`)).text();
      expect(otherLog).toMatch(
        new RegExp(`slipway: routing fallback: queued \\d+ s: the hosts that built ${repository.fullName} were busy`),
      );
      expect(otherLog).not.toContain(warm);
      const cancelled = await farm.apiFetch(`/builds/${slowId}/cancel`, { method: "POST" });
      expect(cancelled.status).toBe(202);
      const slow = await farm.waitForEnd(slowId);
      expect({ status: slow.status, host: slow.host }).toEqual({ status: "cancelled", host: warm });

      // The build page says where each ran and why there.
      const browser = await launchChromium();
      try {
        const page = await (await newContext(browser)).newPage();
        await signIn(page, farm.api.url, API_TOKEN);
        await page.goto(`${farm.api.url}/builds/${other.id}`);
        await page.getByText(`${cold} · fallback`).waitFor();
        expect(await page.getByTestId("host").getAttribute("title")).toBe(
          `worker ${cold}-w1 on ${cold}: the hosts that had built the repository were busy past the routing wait, or down`,
        );
        await screenshot(page, "build-routing-fallback");
        await page.goto(`${farm.api.url}/builds/${slow.id}`);
        await page.getByText(`${warm} · warm`).waitFor();
      } finally {
        await browser.close();
      }
    },
  );
});
