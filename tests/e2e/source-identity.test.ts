// A signed push cannot choose where the farm fetches from: clone_url payloads that once ran a
// command on the worker (--upload-pack), read another repository's mirror (file://) or pointed
// at an internal host build the farm's own copy of owner/repo, and run nothing.
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { postDelivery, testEnv, TestGitServer } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { PUSH_EXAMPLE, REPO } from "./push-payload";

// A branch of its own: e2e files share the repository (and so its cache path), and a
// concurrent build exporting to the default branch's cache would change what others import.
const BRANCH = "e2e-source-identity";

let farm: TestFarm;
let other: TestGitServer;
const marker = join("/tmp", `slipway-pwned-${randomUUID()}`);
beforeAll(async () => {
  farm = await startTestFarm();
  other = await TestGitServer.start();
  other.commit("evil/payload", { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo FROM-THE-ATTACKER\n` });
});
afterAll(async () => {
  await farm?.close();
  await other?.destroy();
});

const pushWithCloneUrl = async (cloneUrl: string, sha: string) => {
  const payload = structuredClone(PUSH_EXAMPLE);
  Object.assign(payload, {
    ref: `refs/heads/${BRANCH}`,
    after: sha,
    before: randomUUID().replace(/-/g, "").padEnd(40, "0"),
    head_commit: { ...payload.head_commit, id: sha },
  });
  payload.repository.clone_url = cloneUrl;
  payload.repository.git_url = cloneUrl;
  payload.repository.ssh_url = cloneUrl;
  const res = await postDelivery(farm.api.url, { event: "push", payload, secret: WEBHOOK_SECRET });
  expect(res.status).toBe(202);
  return farm.waitForEnd(res.body.buildId as string);
};

describe("the repository URL is the farm's, never the payload's", () => {
  it.each([
    ["an option for git fetch", `--upload-pack=touch ${marker};`],
    ["another repository's mirror on the worker", "file:///proc/self/cwd/../git"],
    ["a host of the attacker's choosing", "git://127.0.0.1:1/evil/payload.git"],
  ])("clone_url = %s builds %s from the farm's git base and runs nothing", async (_what, cloneUrl) => {
    const sha = farm.git.commit(
      REPO,
      { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo built-${randomUUID()}\n` },
      { branch: BRANCH },
    );
    const build = await pushWithCloneUrl(cloneUrl.replace("127.0.0.1:1", `127.0.0.1:${other.port}`), sha);
    const log = await (await farm.apiFetch(`/builds/${build.id}/logs`)).text();
    expect(build.status, log).toBe("succeeded");
    expect(log).toContain(`slipway: fetching ${farm.git.baseUrl}/${REPO}.git`);
    expect(log).not.toContain("FROM-THE-ATTACKER");
    expect(log).not.toContain(cloneUrl.slice(0, 20));
    expect(existsSync(marker)).toBe(false);
    // One mirror, named by the repository's GitHub id.
    expect(readdirSync(join(farm.cacheDir, "git")).filter((f) => f.endsWith(".git"))).toEqual([`github-${PUSH_EXAMPLE.repository.id}.git`]);
  });
});
