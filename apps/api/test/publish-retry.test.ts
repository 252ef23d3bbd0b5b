// POST /api/v1/builds/:id/publish/retry over HTTP on a real database and a real BullMQ queue:
// a succeeded build's failed publishes are queued again through the outbox under a job id of
// their own; anything else is 409 with the reason, and queues nothing.
import { createApiToken } from "@slipway/auth";
import { insertTestBuild } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, eventually, startTestApi, type TestApi } from "./harness";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const retry = async (id: string, token = API_TOKEN) => {
  const res = await fetch(`${api.url}/api/v1/builds/${id}/publish/retry`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as any };
};
const publishOutbox = () => api.db.outboxMessage.findMany({ where: { topic: "publish.enqueue" }, orderBy: { id: "asc" } });

describe("POST /api/v1/builds/:id/publish/retry", () => {
  it("queues the failed and pending publishes of a succeeded build again, as a new job, and says what", async () => {
    const { buildId } = await insertTestBuild(api.db, "succeeded");
    await api.db.publish.createMany({
      data: [
        {
          buildId,
          target: "ghcr.io/acme/app",
          tag: "main",
          status: "failed",
          error: "publish to ghcr.io/acme/app refused: no registry credential",
        },
        { buildId, target: "ghcr.io/acme/app", tag: "latest", status: "pending" },
        { buildId, target: "ghcr.io/acme/app", tag: "sha-0000000", status: "pushed", digest: `sha256:${"a".repeat(64)}` },
        { buildId, target: "quay.io/acme/app", tag: "main", status: "superseded", error: "newer build" },
      ],
    });
    const first = await retry(buildId);
    expect(first).toEqual({
      status: 202,
      body: { buildId, attempt: 1, retried: [{ target: "ghcr.io/acme/app", tags: ["latest", "main"] }] },
    });
    const second = await retry(buildId);
    expect(second.status).toBe(202);

    // Two outbox rows, each with a retry id of its own; both dispatched as distinct jobs.
    const rows = await publishOutbox();
    const retries = rows.map((r) => (r.payload as { retry: string }).retry);
    expect(rows.map((r) => (r.payload as { buildId: string }).buildId)).toEqual([buildId, buildId]);
    expect(new Set(retries).size).toBe(2);
    await eventually(async () => (await publishOutbox()).every((r) => r.dispatchedAt !== null), 10_000, "dispatch");
    for (const id of retries) {
      const job = await api.producers.publish.queue.getJob(`publish-${buildId}-1-retry-${id}`);
      expect(job?.data).toEqual({ buildId, attempt: 1, retry: id });
    }
    // The build itself is untouched: same attempt, still succeeded.
    const build = await api.db.build.findUniqueOrThrow({ where: { id: buildId }, include: { attempts: true } });
    expect([build.status, build.attempt, build.attempts.length]).toEqual(["succeeded", 1, 1]);
  });

  it("409 when nothing failed, when the build did not succeed, and when its image was removed; nothing queued", async () => {
    const before = (await publishOutbox()).length;
    const { buildId: allPushed } = await insertTestBuild(api.db, "succeeded");
    await api.db.publish.create({ data: { buildId: allPushed, target: "ghcr.io/acme/app", tag: "main", status: "pushed" } });
    expect(await retry(allPushed)).toEqual({
      status: 409,
      body: { error: { code: "conflict", message: `build ${allPushed} has no failed or pending publish to retry` } },
    });
    const { buildId: running } = await insertTestBuild(api.db, "running");
    expect(await retry(running)).toEqual({
      status: 409,
      body: {
        error: {
          code: "conflict",
          message: `build ${running} is running; only a succeeded build's publishes can be retried (POST /builds/${running}/retry runs the build again)`,
        },
      },
    });
    // Its image removed by retention: nothing to copy, say so and how to get it back.
    const { buildId: pruned } = await insertTestBuild(api.db, "succeeded");
    await api.db.build.update({ where: { id: pruned }, data: { imagePrunedAt: new Date("2026-10-01T00:00:00Z") } });
    await api.db.publish.create({ data: { buildId: pruned, target: "ghcr.io/acme/app", tag: "main", status: "failed" } });
    expect(await retry(pruned)).toEqual({
      status: 409,
      body: {
        error: {
          code: "conflict",
          message: `build ${pruned}'s image was removed from the internal registry on 2026-10-01 (retention, SLIPWAY_RETAIN_IMAGES_DAYS); POST /builds/${pruned}/retry builds it again`,
        },
      },
    });
    expect((await publishOutbox()).length).toBe(before);
  });

  it("needs write, and answers 404 for a build outside the token's repositories", async () => {
    const { buildId } = await insertTestBuild(api.db, "succeeded");
    await api.db.publish.create({ data: { buildId, target: "ghcr.io/acme/app", tag: "main", status: "failed" } });
    const read = (await createApiToken(api.db, { name: "r", scopes: ["read"] })).token;
    const elsewhere = (await createApiToken(api.db, { name: "w", scopes: ["write"], repositories: ["acme/*"] })).token;
    expect((await retry(buildId, read)).status).toBe(403);
    expect(await retry(buildId, elsewhere)).toEqual({
      status: 404,
      body: { error: { code: "not_found", message: `no build with id ${buildId}` } },
    });
  });
});
