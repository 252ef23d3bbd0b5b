// Pull requests through the whole farm: the head commit is fetched from refs/pull/<n>/head (it
// is on no branch), cache comes from the base branch, publishing is opt-in, and a fork never
// publishes nor reaches the repository's cache mounts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { RegistryClient } from "@slipway/registry";
import { postDelivery, pullRequestExample, testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, PUSH_EXAMPLE, pushCommit, REPO } from "./push-payload";

const TARGET_REPO = `codertocat/pr-${Date.now()}`;
const TARGET = `${testEnv.publishRegistry}/${TARGET_REPO}`;
const BASE = `${testEnv.registry}/base/busybox:1`;
const registry = new RegistryClient(testRegistryClientOptions());
const run = randomUUID();

let farm: TestFarm;
let hostB: string;
beforeAll(async () => {
  farm = await startTestFarm();
  hostB = mkdtempSync(join(tmpdir(), "slipway-host-b-"));
});
afterAll(async () => {
  await farm?.close();
  rmSync(hostB, { recursive: true, force: true });
});

const dockerfile = (extra = "") => `FROM ${BASE}\nRUN echo "base layer ${run}" > /base\nCOPY app.txt /app.txt\n${extra}`;
const openPullRequest = async (o: { number: number; sha: string; fork?: { id: number; fullName: string }; action?: string }) => {
  const payload = pullRequestExample({
    repository: { id: PUSH_EXAMPLE.repository.id, fullName: REPO },
    number: o.number,
    headSha: o.sha,
    headRef: `feature-${o.number}`,
    baseRef: BRANCH,
    authorAssociation: "MEMBER",
    ...(o.action ? { action: o.action } : {}),
    ...(o.fork ? { fork: o.fork } : {}),
  });
  const res = await postDelivery(farm.api.url, { event: "pull_request", payload, secret: WEBHOOK_SECRET, deliveryId: randomUUID() });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.outcome).toBe("build_queued");
  return res.body.buildId as string;
};
const logOf = async (id: string) => (await farm.apiFetch(`/builds/${id}/logs`)).text();
const waitForLog = async (id: string, text: string) => {
  await eventually(async () => (await logOf(id)).includes(text), 60_000, `"${text}" in the log of ${id}`);
  return logOf(id);
};
const tagDigest = async (tag: string) =>
  (await registry.getManifest(testEnv.publishRegistry, TARGET_REPO, tag).catch(() => undefined))?.digest;

describe("pull request builds", () => {
  it("build the head commit with the base branch's cache, on a cold host, and publish only when asked", async () => {
    const mainSha = farm.git.commit(
      REPO,
      { Dockerfile: dockerfile(), "app.txt": "main\n", ".slipway.yml": `publish:\n  - image: ${TARGET}\n` },
      { branch: BRANCH },
    );
    const main = await farm.waitForEnd(await pushCommit(farm.api.url, mainSha));
    expect(main.status).toBe("succeeded");

    // A pull request from a branch of the repository: on that branch and on refs/pull/41/head.
    const prSha = farm.git.commit(REPO, { "app.txt": "change\n" }, { branch: "feature-41", from: BRANCH });
    farm.git.setRef(REPO, "refs/pull/41/head", prSha);
    // A host that never built this: its RUN step can only be cached through the registry.
    await farm.restartWorker({ DOCKER_HOST: testEnv.dockerHostB }, { host: "e2e-host-b", cacheDir: hostB });
    const pr = await farm.waitForEnd(await openPullRequest({ number: 41, sha: prSha }));
    const log = await waitForLog(pr.id, "not publishing");
    expect(pr.status, log).toBe("succeeded");
    expect(pr).toMatchObject({
      sha: prSha,
      trigger: "pull_request",
      refType: "pull_request",
      pullRequest: 41,
      baseRef: BRANCH,
      fromFork: false,
      host: "e2e-host-b",
    });
    expect(log).toContain(
      `cache from ${testEnv.registry}/github/${PUSH_EXAMPLE.repository.id}/cache:pr-41, ${testEnv.registry}/github/${PUSH_EXAMPLE.repository.id}/cache:branch-${BRANCH}`,
    );
    const runStep = pr.steps.find((s) => s.name.includes(`base layer ${run}`));
    expect(runStep?.cached, pr.steps.map((s) => `${s.name} cached=${s.cached}`).join("\n")).toBe(true);
    expect(log).toContain(
      "slipway: not publishing: pull request #41: pull requests publish only with publishPullRequests: true in .slipway.yml",
    );
    expect(pr.publishes).toEqual([]);
    expect(await tagDigest("pr-41")).toBeUndefined();

    const optIn = farm.git.commit(
      REPO,
      { ".slipway.yml": `publishPullRequests: true\npublish:\n  - image: ${TARGET}\n` },
      { branch: "feature-41" },
    );
    farm.git.setRef(REPO, "refs/pull/41/head", optIn);
    const published = await farm.waitForEnd(await openPullRequest({ number: 41, sha: optIn, action: "synchronize" }));
    expect(published.status).toBe("succeeded");
    await eventually(async () => (await tagDigest("pr-41")) === published.digest, 60_000, "pr-41 published");
    // Only pr-<n>: a pull request never moves the branch tags or latest.
    expect(await tagDigest("latest")).toBe(main.digest);
    expect(await tagDigest(BRANCH)).toBe(main.digest);
  });

  it("a fork's pull request never publishes, whatever its .slipway.yml says, and cannot plant files in the repository's cache mounts", async () => {
    const planted = `planted-${randomUUID()}`;
    const forkSha = farm.git.commit(
      REPO,
      {
        "app.txt": "fork\n",
        Dockerfile: dockerfile(`RUN --mount=type=cache,target=/cache echo ${planted} > /cache/tool-${run} && cat /cache/tool-${run}\n`),
        ".slipway.yml": `publishPullRequests: true\npublish:\n  - image: ${TARGET}\n`,
      },
      { branch: "pr-77", from: BRANCH, pullRequest: 77 },
    );
    const fork = await farm.waitForEnd(
      await openPullRequest({ number: 77, sha: forkSha, fork: { id: 99_001, fullName: "stranger/Hello-World" } }),
    );
    const log = await waitForLog(fork.id, "not publishing");
    expect(fork.status, log).toBe("succeeded");
    expect(fork).toMatchObject({ fromFork: true, headRepository: "stranger/Hello-World" });
    expect(log).toContain("slipway: not publishing: pull request #77 is from a fork: forks never publish");
    expect(fork.publishes).toEqual([]);
    expect(await tagDigest("pr-77")).toBeUndefined();

    // The repository's next build on the same host reads the same cache mount target.
    const probe = farm.git.commit(
      REPO,
      {
        Dockerfile: dockerfile(
          `RUN --mount=type=cache,target=/cache echo "probe ${randomUUID()}"; cat /cache/tool-${run} 2>/dev/null || echo NOTHING-PLANTED\n`,
        ),
        ".slipway.yml": "",
      },
      { branch: BRANCH },
    );
    const main = await farm.waitForEnd(await pushCommit(farm.api.url, probe));
    const mainLog = await logOf(main.id);
    expect(main.status, mainLog).toBe("succeeded");
    expect(mainLog).toMatch(/^#\d+ NOTHING-PLANTED$/m);
    expect(mainLog).not.toContain(planted);
  });

  it("a delivery cannot pass a fork's commit off as the repository's own (signed with the shared secret, so anyone who has it could try)", async () => {
    const forkSha = farm.git.commit(
      REPO,
      { "app.txt": `forged ${run}\n`, Dockerfile: dockerfile() },
      { branch: "pr-88", from: BRANCH, pullRequest: 88 },
    );
    // As a pull request from a branch of the repository itself: that branch holds no such commit.
    const asOwn = await farm.waitForEnd(await openPullRequest({ number: 88, sha: forkSha }));
    expect(asOwn.status).toBe("failed");
    expect(asOwn.errorMessage).toContain(`commit ${forkSha} is not on refs/heads/feature-88`);
    // As a push to the default branch: main (and every build with its secrets and publish rights) never sees it.
    const asMain = await farm.waitForEnd(await pushCommit(farm.api.url, forkSha));
    expect(asMain.status).toBe("failed");
    expect(asMain.errorMessage).toContain(`commit ${forkSha} is not on refs/heads/${BRANCH}`);
    expect(asMain.publishes).toEqual([]);
  });
});
