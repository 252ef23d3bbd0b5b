// A new push to a branch (or pull request) cancels that branch's queued and running builds,
// names the build that superseded them, and tells workers; tags, the default branch and
// repositories that turned it off keep every build.
import { randomBytes } from "node:crypto";
import { CANCEL_CHANNEL } from "@slipway/contracts";
import { branchPushExample, postDelivery, pullRequestExample, testEnv } from "@slipway/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, WEBHOOK_SECRET, type TestApi } from "./harness";

let api: TestApi;
const heard: string[] = [];
const sub = new Redis(testEnv.redisUrl);
beforeAll(async () => {
  api = await startTestApi({ pollIntervalMs: 60_000 });
  await sub.subscribe(CANCEL_CHANNEL);
  sub.on("message", (_c, id: string) => heard.push(id));
});
afterAll(async () => {
  sub.disconnect();
  await api?.close();
});

const repo = { id: 82_001, fullName: "acme/busy" };
const push = async (ref: string, r = repo) => {
  const p = branchPushExample(r);
  Object.assign(p, { ref, before: randomBytes(20).toString("hex"), after: randomBytes(20).toString("hex") });
  p.repository.default_branch = "main";
  const res = await postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET });
  expect(res.status).toBe(202);
  return res.body.buildId as string;
};
const build = (id: string) => api.db.build.findUniqueOrThrow({ where: { id }, include: { attempts: true } });

describe("auto-cancel of superseded builds", () => {
  it("a new push to a branch cancels its queued and running builds and names the newer one", async () => {
    const first = await push("refs/heads/feature");
    const second = await push("refs/heads/feature");
    await api.db.build.update({ where: { id: second }, data: { status: "running" } });
    const other = await push("refs/heads/other");
    const third = await push("refs/heads/feature");
    for (const [old, by] of [
      [first, second],
      [second, third],
    ] as const) {
      const b = await build(old);
      expect(b).toMatchObject({ status: "cancelled", supersededById: by });
      expect(b.attempts[0]!.status).toBe("cancelled");
      expect(b.finishedAt).not.toBeNull();
    }
    expect((await build(third)).status).toBe("queued");
    expect((await build(other)).status).toBe("queued");
    expect(heard).toEqual(expect.arrayContaining([first, second]));
    expect(heard).not.toContain(other);
    const res = await fetch(`${api.url}/api/v1/builds/${first}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(await res.json()).toMatchObject({ status: "cancelled", supersededBy: second });
  });

  it("keeps every build of tags and of the default branch, and of a repository that turned it off", async () => {
    const tagA = await push("refs/tags/v1.0.0");
    await push("refs/tags/v1.0.1");
    const mainA = await push("refs/heads/main");
    await push("refs/heads/main");
    expect((await build(tagA)).status).toBe("queued");
    expect((await build(mainA)).status).toBe("queued");

    const patch = (body: unknown) =>
      fetch(`${api.url}/api/v1/repositories/acme/busy`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const bad = await patch({ autoCancel: "no" });
    expect(bad.status).toBe(400);
    expect((await patch({})).status).toBe(400);
    expect((await patch({ autoCancel: true, extra: 1 })).status).toBe(400);
    const off = await patch({ autoCancel: false });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ fullName: "acme/busy", autoCancel: false, autoCancelDefaultBranch: false });
    const kept = await push("refs/heads/feature");
    await push("refs/heads/feature");
    expect((await build(kept)).status).toBe("queued");

    expect((await patch({ autoCancel: true, autoCancelDefaultBranch: true })).status).toBe(200);
    const mainB = await push("refs/heads/main");
    await push("refs/heads/main");
    expect((await build(mainB)).status).toBe("cancelled");
    const missing = await fetch(`${api.url}/api/v1/repositories/acme/nope`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
      body: '{"autoCancel":true}',
    });
    expect(missing.status).toBe(404);
  });

  it("a pull request's new commit cancels its earlier build, not another pull request's", async () => {
    const r = { id: 82_002, fullName: "acme/prs" };
    const pr = async (n: number) => {
      const res = await postDelivery(api.url, {
        event: "pull_request",
        payload: pullRequestExample({ repository: r, number: n, action: "synchronize", headSha: randomBytes(20).toString("hex") }),
        secret: WEBHOOK_SECRET,
      });
      return res.body.buildId as string;
    };
    const a1 = await pr(1);
    const b1 = await pr(2);
    const a2 = await pr(1);
    expect(await build(a1)).toMatchObject({ status: "cancelled", supersededById: a2 });
    expect((await build(b1)).status).toBe("queued");
  });

  it("concurrent pushes to a branch and to the default branch: one branch build left, every default-branch build kept", async () => {
    // Deliveries that supersede hold the repository's lock alone, the others share it; both
    // kinds in the same batches, in any order.
    const r = { id: 82_003, fullName: "acme/race" };
    await push("refs/heads/main", r); // the repository exists, so the batches below read its settings
    const refs = Array.from({ length: 40 }, (_, i) => (i % 2 ? "refs/heads/main" : "refs/heads/feature"));
    const ids = await Promise.all(refs.map((ref) => push(ref, r)));
    const builds = await api.db.build.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
    const feature = builds.filter((b) => b.ref === "refs/heads/feature");
    const main = builds.filter((b) => b.ref === "refs/heads/main");
    expect(feature).toHaveLength(20);
    expect(main.map((b) => b.status)).toEqual(Array(20).fill("queued"));
    // The newest feature build is the one left; each other was superseded by a newer one.
    expect(feature.map((b) => b.status)).toEqual([...Array(19).fill("cancelled"), "queued"]);
    for (const b of feature.slice(0, -1)) expect(b.supersededById! > b.id).toBe(true);
  });

  it("a delivery stored under the shared lock whose repository now supersedes is refused, to be stored again", async () => {
    const r = { id: 82_004, fullName: "acme/flip" };
    const mainBuild = await push("refs/heads/main", r);
    const repoRow = await api.db.repository.findUniqueOrThrow({ where: { githubId: 82_004 } });
    const item = {
      id: "01900000-0000-7000-8000-000000000001",
      github_delivery: randomBytes(8).toString("hex"),
      event: "push",
      outcome: "build_queued",
      repo: { new_id: repoRow.id, github_id: "82004", full_name: "acme/flip", owner: "acme", name: "flip", default_branch: "main" },
      build: {
        id: "01900000-0000-7000-8000-000000000002",
        attempt_id: "01900000-0000-7000-8000-000000000003",
        trigger: "push",
        ref: "refs/heads/feature",
        ref_type: "branch",
        ref_name: "feature",
        sha: "c".repeat(40),
        before_sha: "d".repeat(40),
      },
      payload: {},
    };
    // As if the batch had read settings under which this push could not supersede.
    await expect(api.db.$queryRaw`SELECT slipway_store_delivery(${JSON.stringify(item)}::jsonb, false)`).rejects.toThrow(
      /auto-cancel settings changed/,
    );
    expect(await api.db.webhookDelivery.count({ where: { githubDelivery: item.github_delivery } })).toBe(0);
    const [row] = await api.db.$queryRaw<
      { r: { outcome: string }[] }[]
    >`SELECT slipway_store_deliveries(${JSON.stringify([item])}::jsonb) AS r`;
    expect(row!.r[0]).toMatchObject({ outcome: "build_queued" });
    expect((await build(mainBuild)).status).toBe("queued");
  });

  // Found by fuzz-webhook.test.ts: answered 503 on every try, never stored.
  it("a push to the old default branch after the default branch changed on GitHub is stored and supersedes", async () => {
    const r = { id: 82_005, fullName: "acme/renamed-default" };
    const first = await push("refs/heads/master", { ...r });
    // GitHub's default branch is "main" now (push() says so); the farm's row still said "master" before.
    await api.db.repository.update({ where: { githubId: 82_005 }, data: { defaultBranch: "master" } });
    const second = await push("refs/heads/master", r);
    expect((await build(first)).status).toBe("cancelled");
    expect((await build(second)).status).toBe("queued");
    expect((await api.db.repository.findUniqueOrThrow({ where: { githubId: 82_005 } })).defaultBranch).toBe("main");
  });
});
