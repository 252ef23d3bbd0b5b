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
});
