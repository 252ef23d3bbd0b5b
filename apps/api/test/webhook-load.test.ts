// Ingest under load: deliveries are stored together (group commit) and a burst beyond what
// waits to be stored is refused with 503 + Retry-After before anything is stored; never a 500.
import { randomBytes, randomUUID } from "node:crypto";
import { branchPushExample, postDelivery } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startTestApi, WEBHOOK_SECRET, type TestApi } from "./harness";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

/** A push of a new commit to `branch` of repository `repo` (GitHub id `id`). */
function pushTo(repo: { id: number; fullName: string }, branch: string) {
  const p = branchPushExample(repo);
  p.ref = `refs/heads/${branch}`;
  p.before = randomBytes(20).toString("hex");
  p.after = randomBytes(20).toString("hex");
  p.head_commit = { ...p.head_commit, id: p.after };
  return p;
}

describe("webhook ingest under load", () => {
  it("concurrent pushes to one branch: each stored with its build, only the newest left queued, the rest superseded by a newer one", async () => {
    const repo = { id: 880001, fullName: "load/one-branch" };
    const payloads = Array.from({ length: 40 }, () => pushTo(repo, "feature"));
    const res = await Promise.all(payloads.map((payload) => postDelivery(api.url, { event: "push", payload, secret: WEBHOOK_SECRET })));
    expect(res.filter((r) => r.status !== 202).map((r) => JSON.stringify(r.body))).toEqual([]);
    expect(res.map((r) => r.status)).toEqual(payloads.map(() => 202));
    const ids = res.map((r) => r.body.buildId as string);
    expect(new Set(ids).size).toBe(40);
    const builds = await api.db.build.findMany({ where: { id: { in: ids } }, include: { attempts: true } });
    expect(builds).toHaveLength(40);
    const queued = builds.filter((b) => b.status === "queued");
    expect(queued).toHaveLength(1);
    // The one left is the newest (UUIDv7 ids sort by creation); every other names a newer build.
    expect(queued[0]!.id).toBe([...ids].sort().at(-1));
    for (const b of builds.filter((x) => x.status === "cancelled")) {
      expect(b.supersededById! > b.id).toBe(true);
      expect(b.attempts[0]!.status).toBe("cancelled");
    }
    // Each build has its delivery; the one left queued is on its way to the queue (outbox row).
    // A build stored after a newer one (a concurrent batch took the lock first) is cancelled
    // as it is stored, and never enqueued.
    expect(await api.db.webhookDelivery.count({ where: { builds: { some: { id: { in: ids } } } } })).toBe(40);
    const outbox = await api.db.outboxMessage.findMany({ where: { topic: "build.enqueue" } });
    const enqueued = new Set(outbox.map((o) => (o.payload as { buildId: string }).buildId));
    expect(enqueued.has(queued[0]!.id)).toBe(true);
  });

  it("auto-cancel works for a repository whose payload names no default branch", async () => {
    const repo = { id: 880002, fullName: "load/no-default" };
    const [first, second] = [pushTo(repo, "feature"), pushTo(repo, "feature")];
    for (const p of [first, second]) {
      delete p.repository.default_branch;
      delete p.repository.master_branch;
    }
    const a = await postDelivery(api.url, { event: "push", payload: first, secret: WEBHOOK_SECRET });
    const b = await postDelivery(api.url, { event: "push", payload: second, secret: WEBHOOK_SECRET });
    expect([a.status, b.status]).toEqual([202, 202]);
    const older = await api.db.build.findUniqueOrThrow({ where: { id: a.body.buildId } });
    expect(older).toMatchObject({ status: "cancelled", supersededById: b.body.buildId });
  });

  it("a burst far beyond SLIPWAY_INGEST_MAX_PENDING: every answer is 202 (stored) or 503 with Retry-After (not stored), never a 500", async () => {
    const small = await startTestApi({ ingestMaxPending: 4 });
    onTestFinished(() => small.close());
    const repos = Array.from({ length: 5 }, (_, i) => ({ id: 881000 + i, fullName: `load/burst-${i}` }));
    const sent = Array.from({ length: 300 }, (_, i) => ({
      deliveryId: randomUUID(),
      payload: pushTo(repos[i % repos.length]!, `b${i % 7}`),
    }));
    const answers = await Promise.all(
      sent.map(async (s) => {
        const res = await fetchDelivery(small.url, s.deliveryId, s.payload);
        return { ...s, status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
      }),
    );
    expect([...new Set(answers.map((a) => a.status))].sort()).toEqual([202, 503]);
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.retryAfter).toBe("1");
      expect(r.body).toContain("SLIPWAY_INGEST_MAX_PENDING");
    }
    const stored = new Set((await small.db.webhookDelivery.findMany({ select: { githubDelivery: true } })).map((d) => d.githubDelivery));
    expect(stored.size).toBe(accepted.length);
    for (const a of accepted) expect(stored.has(a.deliveryId)).toBe(true);
    for (const r of refused) expect(stored.has(r.deliveryId)).toBe(false);
    // A refused delivery sent again (as GitHub's redeliver does) is stored.
    const again = await fetchDelivery(small.url, refused[0]!.deliveryId, refused[0]!.payload);
    expect(again.status).toBe(202);
  });

  it("a payload PostgreSQL cannot store (\\u0000 in a string) is refused with 422; the deliveries stored with it are not", async () => {
    const repo = { id: 882001, fullName: "load/nul" };
    const bad = pushTo(repo, "main");
    bad.head_commit.message = "nul \u0000 here";
    const good = Array.from({ length: 10 }, () => pushTo(repo, "other"));
    const [badRes, ...goodRes] = await Promise.all(
      [bad, ...good].map((payload) => postDelivery(api.url, { event: "push", payload, secret: WEBHOOK_SECRET })),
    );
    expect(badRes!.status).toBe(422);
    expect(badRes!.body.error.message).toContain("the payload cannot be stored");
    expect(goodRes.map((r) => r.status)).toEqual(good.map(() => 202));
    expect(await api.db.build.count({ where: { sha: bad.after } })).toBe(0);
  });
});

async function fetchDelivery(url: string, deliveryId: string, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  const { createHmac } = await import("node:crypto");
  const signature = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
  return fetch(`${url}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": signature,
    },
    body,
  });
}
