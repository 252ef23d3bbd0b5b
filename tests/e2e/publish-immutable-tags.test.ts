// Release tags through the whole farm: once 1.2.3 is published at a target, a later build of
// the same tag on another commit (a force-moved git tag) leaves it, and 1.2 / 1 with it, at the
// first image, and records why; the repository setting immutableTags (admin API) lets them
// move, never .slipway.yml (a pusher's file).
import { RegistryClient } from "@slipway/registry";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

const TARGET_REPO = `codertocat/immutable-${Date.now()}`;
const TARGET = `${testEnv.publishRegistry}/${TARGET_REPO}`;
const BASE = `${testEnv.registry}/base/busybox:1`;
const registry = new RegistryClient();

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

/** Commits `content` tagged v1.2.3 (moving the tag), pushes the tag, waits for build and publish. */
async function releaseV123(content: string) {
  const sha = farm.git.commit(
    REPO,
    { Dockerfile: `FROM ${BASE}\nRUN echo "${content}" > /content\n`, ".slipway.yml": `publish:\n  - image: ${TARGET}\n` },
    { branch: BRANCH, tag: "v1.2.3" },
  );
  const id = await pushCommit(farm.api.url, sha, { ref: "refs/tags/v1.2.3" });
  const build = await farm.waitForEnd(id);
  expect(build.status, build.errorMessage ?? "").toBe("succeeded");
  await eventually(
    async () => (await farm.api.db.publish.count({ where: { buildId: id, status: { not: "pending" } } })) === 3,
    60_000,
    "publish",
  );
  const rows = await farm.api.db.publish.findMany({ where: { buildId: id }, orderBy: { tag: "asc" } });
  return { build, rows: Object.fromEntries(rows.map((r) => [r.tag, r])) };
}
const digestOf = async (tag: string) => (await registry.getManifest(testEnv.publishRegistry, TARGET_REPO, tag)).digest;

describe("release tags are immutable by default", () => {
  let first: Awaited<ReturnType<typeof releaseV123>>;

  it("the first v1.2.3 publishes 1.2.3, 1.2 and 1", async () => {
    first = await releaseV123(`first ${Date.now()}`);
    expect(Object.values(first.rows).map((r) => [r.tag, r.status])).toEqual([
      ["1", "pushed"],
      ["1.2", "pushed"],
      ["1.2.3", "pushed"],
    ]);
    for (const tag of ["1.2.3", "1.2", "1"]) expect(await digestOf(tag)).toBe(first.build.digest);
  });

  it("v1.2.3 moved to another commit: 1.2.3 stays at the first image, refused with the reason; 1.2 and 1 stay with it", async () => {
    const second = await releaseV123(`second ${Date.now()}`);
    expect(second.build.digest).not.toBe(first.build.digest);
    const reason = `release tag 1.2.3 already points at ${first.build.digest} at ${TARGET}; release tags are immutable (an admin lets them move with PATCH /api/v1/repositories/<owner>/<name> {"immutableTags": false})`;
    expect(second.rows["1.2.3"]).toMatchObject({ status: "failed", error: reason, digest: null });
    for (const tag of ["1.2", "1"])
      expect(second.rows[tag]).toMatchObject({
        status: "superseded",
        error: `held back with 1.2.3, which is immutable and names another image at ${TARGET}`,
      });
    for (const tag of ["1.2.3", "1.2", "1"]) expect(await digestOf(tag)).toBe(first.build.digest);
    const log = await (await farm.apiFetch(`/builds/${second.build.id}/logs`)).text();
    expect(log).toContain(`slipway: publish of ${TARGET}:1.2.3 refused: ${reason}`);
    expect(log).toContain(`slipway: not moving ${TARGET}:1.2: held back with 1.2.3`);
    // The refusal is the user's to settle: the publish is not retried.
    const job = await farm.api.producers.publish.queue.getJob(`publish-${second.build.id}-1`);
    expect([job?.attemptsMade, await job?.getState(), job?.failedReason]).toEqual([1, "failed", reason]);
  });

  it("a .slipway.yml cannot turn it off (the pusher's own file); the repository setting can", async () => {
    const sha = farm.git.commit(
      REPO,
      {
        Dockerfile: `FROM ${BASE}\nRUN echo "sneaky ${Date.now()}"\n`,
        ".slipway.yml": `immutableTags: false\npublish:\n  - image: ${TARGET}\n`,
      },
      { branch: BRANCH, tag: "v1.2.3" },
    );
    const sneaky = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: "refs/tags/v1.2.3" }));
    expect(sneaky.status).toBe("failed");
    expect(sneaky.errorMessage).toContain("Unrecognized key");
    expect(await digestOf("1.2.3")).toBe(first.build.digest);

    const patched = await farm.apiFetch(`/repositories/${REPO}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ immutableTags: false }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ immutableTags: false });
    const third = await releaseV123(`third ${Date.now()}`);
    expect(Object.values(third.rows).map((r) => [r.tag, r.status])).toEqual([
      ["1", "pushed"],
      ["1.2", "pushed"],
      ["1.2.3", "pushed"],
    ]);
    for (const tag of ["1.2.3", "1.2", "1"]) expect(await digestOf(tag)).toBe(third.build.digest);
  });
});
