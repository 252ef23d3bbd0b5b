// Why a step was rebuilt, across hosts: a commit built on host A, then a commit touching only
// the file of the last step, built on host B (a daemon that never built this repository):
// every step before the change comes from the registry cache; the changed step says which
// file made it run.
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN } from "../../apps/api/test/harness";
import { launchChromium, newContext, screenshot, signIn } from "./browser";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;
const repository = { id: randomInt(1e9, 2e9), fullName: `why/app-${randomBytes(3).toString("hex")}` };
let farm: TestFarm;
let hostB: string;
beforeAll(async () => {
  farm = await startTestFarm();
  hostB = mkdtempSync(join(tmpdir(), "slipway-why-b-"));
});
afterAll(async () => {
  await farm?.close();
  rmSync(hostB, { recursive: true, force: true });
});

const build = async (sha: string) => {
  const b = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: "refs/heads/main", repository }));
  expect(b.status, b.errorMessage ?? "").toBe("succeeded");
  return b;
};
type Step = { name: string; cached: boolean; rebuildReason: string | null };
const stepsOf = async (id: string) => ((await (await farm.apiFetch(`/builds/${id}/steps`)).json()) as { steps: Step[] }).steps;
/** The Dockerfile's RUN and COPY steps, in Dockerfile order (BuildKit reports cached ones late). */
const instructions = (steps: Step[]) =>
  steps
    .filter((s) => /^\[\d+\/\d+\] (RUN|COPY)/.test(s.name))
    .sort((a, b) => Number(/^\[(\d+)/.exec(a.name)![1]) - Number(/^\[(\d+)/.exec(b.name)![1]));

describe("why a step was rebuilt", () => {
  it(
    "on a second host, only the step whose file changed runs, and says so; a first build says there was nothing to compare with",
    { timeout: 180_000 },
    async () => {
      const files = (app: string) => ({
        Dockerfile: `FROM ${BASE}\nRUN echo "base ${randomUUID()}" > /base\nCOPY deps.txt /deps.txt\nRUN cat /deps.txt > /deps-copy\nCOPY app.txt /app.txt\n`,
        "deps.txt": "deps 1\n",
        "app.txt": app,
      });
      const first = await build(farm.git.commit(repository.fullName, files("app 1\n"), { branch: "main" }));
      const firstSteps = instructions(await stepsOf(first.id));
      expect(
        firstSteps.every((s) => !s.cached && s.rebuildReason === "no earlier build of this branch or the default branch to compare with"),
      ).toBe(true);

      // Only app.txt changes; host B builds it.
      const sha = farm.git.commit(repository.fullName, { "app.txt": "app 2\n" }, { branch: "main" });
      await farm.restartWorker({ DOCKER_HOST: testEnv.dockerHostB }, { host: "why-host-b", cacheDir: hostB });
      try {
        const second = await build(sha);
        expect(second.host).toBe("why-host-b");
        const steps = instructions(await stepsOf(second.id));
        expect(steps.map((s) => [s.name.replace(/^\[\d+\/\d+\] /, "").slice(0, 14), s.cached, s.rebuildReason])).toEqual([
          ['RUN echo "base', true, null],
          ["COPY deps.txt ", true, null],
          ["RUN cat /deps.", true, null],
          ["COPY app.txt /", false, "file changed: app.txt"],
        ]);
        const log = await (await farm.apiFetch(`/builds/${second.id}/logs`)).text();
        expect(log).toContain(`slipway: steps that ran, compared with build ${first.id}`);
        expect(log).toMatch(/slipway: {3}\[\d\/\d\] COPY app\.txt \/app\.txt -- file changed: app\.txt/);

        // The build page says it too, on the step.
        const browser = await launchChromium();
        try {
          const page = await (await newContext(browser)).newPage();
          await signIn(page, farm.api.url, API_TOKEN);
          await page.goto(`${farm.api.url}/builds/${second.id}`);
          const reason = page.getByTestId("rebuild-reason");
          await reason.first().waitFor();
          expect(await reason.allTextContents()).toEqual(["ran because file changed: app.txt"]);
          // A succeeded build's log marks nothing failed (Slipway's own lines were shown as a
          // failed group whenever no step had failed).
          await page.getByText(/lines · ended/).waitFor();
          expect(await page.locator("button.bg-rose-50").count()).toBe(0);
          await screenshot(page, "build-why-rebuilt");
        } finally {
          await browser.close();
        }
      } finally {
        await farm.restartWorker();
      }
    },
  );
});
