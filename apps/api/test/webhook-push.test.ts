import { randomUUID } from "node:crypto";
import { githubExamples, postDelivery, withNewPush } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { API_TOKEN, eventually, startTestApi, storedCounts, WEBHOOK_SECRET, type TestApi } from "./harness";

// GitHub's own example payloads, as published by @octokit/webhooks-examples.
const pushExamples = githubExamples("push");
const pingExample = githubExamples("ping")[0];
const issuesExample = githubExamples("issues")[0];

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("POST /webhooks/github with GitHub's example push payloads", () => {
  it("queues one build per branch or tag push and ignores ref deletions", async () => {
    expect(pushExamples.length).toBeGreaterThanOrEqual(3);
    const results = [];
    for (const payload of pushExamples) {
      const deliveryId = randomUUID();
      const res = await postDelivery(api.url, { event: "push", payload, secret: WEBHOOK_SECRET, deliveryId });
      results.push({ payload, deliveryId, res });
    }
    // GitHub's examples hold the same branch push twice: the second copy is a replay.
    const identity = (p: any) => `${p.repository.id} ${p.ref} ${p.before} ${p.after}`;
    const firstOf = new Map<string, (typeof results)[number]>();
    const replays = results.filter(
      (r) => (!r.payload.deleted && firstOf.has(identity(r.payload))) || (!r.payload.deleted && !firstOf.set(identity(r.payload), r)),
    );
    expect(replays).toHaveLength(1);
    for (const r of replays) {
      expect(r.res.status).toBe(202);
      expect(r.res.body).toMatchObject({
        outcome: "ignored",
        duplicate: true,
        buildId: firstOf.get(identity(r.payload))!.res.body.buildId,
      });
    }
    const building = results.filter((r) => !r.payload.deleted && !replays.includes(r));
    const deleting = results.filter((r) => r.payload.deleted);
    expect(building.length).toBeGreaterThan(0);
    expect(deleting.length).toBeGreaterThan(0);

    for (const { payload, deliveryId, res } of building) {
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ deliveryId, outcome: "build_queued", duplicate: false });
      const build = await api.db.build.findUniqueOrThrow({
        where: { id: res.body.buildId },
        include: { repository: true, delivery: true },
      });
      expect(build.status).toBe("queued");
      expect(build.trigger).toBe("push");
      expect(build.ref).toBe(payload.ref);
      expect(build.sha).toBe(payload.after);
      expect(build.beforeSha).toBe(payload.before);
      expect(build.pusher).toBe(payload.pusher.name);
      expect(build.attempt).toBe(1);
      expect(build.repository.fullName).toBe(payload.repository.full_name);
      expect(build.repository.githubId).toBe(BigInt(payload.repository.id));
      expect(build.delivery?.githubDelivery).toBe(deliveryId);
      expect(build.delivery?.event).toBe("push");
      const [refType, refName] = payload.ref.startsWith("refs/tags/") ? ["tag", payload.ref.slice(10)] : ["branch", payload.ref.slice(11)];
      expect(build.refType).toBe(refType);
      expect(build.refName).toBe(refName);
    }
    for (const { deliveryId, res, payload } of deleting) {
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ deliveryId, outcome: "ignored", buildId: null, reason: `push deleted ${payload.ref}` });
    }

    // One BullMQ job per build, with the build id as job id and ids only in the payload.
    await eventually(async () => (await api.queue.queue.getJobCounts("waiting")).waiting === building.length, 20_000, "jobs enqueued");
    for (const { res } of building) {
      const job = await api.queue.queue.getJob(res.body.buildId);
      expect(job?.id).toBe(res.body.buildId);
      expect(job?.name).toBe("build");
      expect(job?.data).toEqual({ buildId: res.body.buildId, attempt: 1 });
    }
    expect(await api.db.outboxMessage.count({ where: { dispatchedAt: null } })).toBe(0);
    // Every delivery is stored, the ignored ones too; one repository row for all of them.
    const counts = await storedCounts(api.db);
    expect(counts).toEqual({ deliveries: pushExamples.length, builds: building.length, outbox: building.length, repositories: 1 });
  });

  it("answers ping with 200 and stores it without a build", async () => {
    const before = await storedCounts(api.db);
    const res = await postDelivery(api.url, { event: "ping", payload: pingExample, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: "ping", buildId: null });
    const after = await storedCounts(api.db);
    expect(after.builds).toBe(before.builds);
    expect(after.deliveries).toBe(before.deliveries + 1);
  });

  it("answers other events with 202 and a reason, without a build", async () => {
    const before = await storedCounts(api.db);
    const res = await postDelivery(api.url, { event: "issues", payload: issuesExample, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ outcome: "ignored", buildId: null, reason: 'event "issues" does not trigger builds' });
    expect((await storedCounts(api.db)).builds).toBe(before.builds);
  });

  it("ignores pushes to refs that are neither branches nor tags", async () => {
    const payload = { ...pushExamples.find((p) => !p.deleted), ref: "refs/notes/commits" };
    const res = await postDelivery(api.url, { event: "push", payload, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ outcome: "ignored", reason: "ref refs/notes/commits is neither a branch nor a tag" });
  });

  it("with SLIPWAY_ACCEPT_RENAMES, a repository name taken over by another repository (rename, delete + recreate) still builds", async () => {
    const api = await startTestApi({ acceptRenames: true });
    onTestFinished(() => api.close());
    const base = pushExamples.find((p) => !p.deleted && p.ref.startsWith("refs/heads/"));
    const repo = (id: number, full_name: string) => ({ ...base.repository, id, full_name, name: full_name.split("/")[1] });
    const first = await postDelivery(api.url, {
      event: "push",
      payload: { ...base, repository: repo(777001, "acme/app") },
      secret: WEBHOOK_SECRET,
    });
    // acme/app renamed to acme/app-old, and a new repository named acme/app created.
    const second = await postDelivery(api.url, {
      event: "push",
      payload: { ...base, repository: repo(777002, "acme/app") },
      secret: WEBHOOK_SECRET,
    });
    expect([first.status, second.status]).toEqual([202, 202]);
    const rows = await api.db.repository.findMany({ where: { githubId: { in: [777001n, 777002n] } }, orderBy: { githubId: "asc" } });
    expect(rows.map((r) => r.fullName)).toEqual(["acme/app#777001", "acme/app"]);
    const third = await postDelivery(api.url, {
      event: "push",
      payload: { ...base, repository: repo(777001, "acme/app-old") },
      secret: WEBHOOK_SECRET,
    });
    expect(third.status).toBe(202);
    expect((await api.db.repository.findUniqueOrThrow({ where: { githubId: 777001n } })).fullName).toBe("acme/app-old");
    const builds = await api.db.build.findMany({
      where: { id: { in: [first.body.buildId, second.body.buildId, third.body.buildId] } },
      include: { repository: true },
    });
    expect(new Set(builds.map((b) => b.repository.githubId))).toEqual(new Set([777001n, 777002n]));
  });

  it("accepts form-encoded deliveries (payload=<json>), signed over the form body", async () => {
    const payload = withNewPush(pushExamples.find((p) => !p.deleted && p.ref.startsWith("refs/heads/")));
    const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await postDelivery(api.url, {
      event: "push",
      payload,
      rawBody,
      secret: WEBHOOK_SECRET,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(202);
    expect(res.body.outcome).toBe("build_queued");
    const build = await api.db.build.findUniqueOrThrow({ where: { id: res.body.buildId } });
    expect(build.sha).toBe(payload.after);
  });

  it("never writes the webhook secret, signature or API token to the service log", async () => {
    await fetch(`${api.url}/api/v1/builds`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const logs = api.logs();
    expect(logs).toContain("webhook delivery stored");
    expect(logs).not.toContain(API_TOKEN);
    expect(logs).not.toContain(WEBHOOK_SECRET);
    expect(logs).not.toMatch(/sha256=[0-9a-f]{64}/);
  });
});
