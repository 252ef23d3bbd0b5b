// Coalescing decisions on a real PostgreSQL database: what identifies a build, and of builds of
// one identity, which builds, which waits and which reuses an image.
import { randomUUID } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBuildConfig } from "../src/build-config";
import { buildIdentity, decideCoalesce } from "../src/coalesce";
import { coalesceBuild } from "../src/reuse-image";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 4 });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const SHA = "c".repeat(40);
const request = (ns: string, extra: Record<string, string> = {}) => ({
  contextDir: "/x",
  dockerfile: "/x/Dockerfile",
  buildArgs: { SOURCE_DATE_EPOCH: "1", ...extra, BUILDKIT_CACHE_MOUNT_NS: ns },
  labels: {},
});

describe("buildIdentity", () => {
  it("is the commit and what shapes the image: not where it is published", () => {
    const config = parseBuildConfig("publish:\n  - image: ghcr.io/acme/app\n");
    const id = buildIdentity(SHA, config, request("github-1"), "default");
    expect(buildIdentity(SHA, parseBuildConfig("publish:\n  - image: ghcr.io/acme/other\n"), request("github-1"), "default")).toBe(id);
    expect(
      buildIdentity(
        SHA,
        config,
        { ...request("github-1"), buildArgs: { BUILDKIT_CACHE_MOUNT_NS: "github-1", SOURCE_DATE_EPOCH: "1" } },
        "default",
      ),
    ).toBe(id);
    // Each of these makes another image, or may.
    for (const other of [
      buildIdentity("d".repeat(40), config, request("github-1"), "default"),
      buildIdentity(SHA, config, request("github-1-pr-7"), "default"), // a fork's pull request
      buildIdentity(SHA, config, request("github-1", { VERSION: "2" }), "default"),
      buildIdentity(SHA, parseBuildConfig("target: prod\n"), request("github-1"), "default"),
      buildIdentity(SHA, parseBuildConfig("dockerfile: other.Dockerfile\n"), request("github-1"), "default"),
      buildIdentity(SHA, config, request("github-1"), "none"),
    ])
      expect(other).not.toBe(id);
  });
});

describe("decideCoalesce", () => {
  async function running(identity: string, repositoryId?: string) {
    const { buildId } = await insertTestBuild(db, "running");
    const runId = randomUUID();
    const row = await db.build.update({ where: { id: buildId }, data: { runId }, select: { repositoryId: true } });
    if (repositoryId) await db.build.update({ where: { id: buildId }, data: { repositoryId } });
    return {
      buildId,
      runId,
      repositoryId: repositoryId ?? row.repositoryId,
      identity,
      registry: "127.0.0.1:5000",
      pullRequest: false,
      signal: new AbortController().signal,
      pollMs: 50,
    };
  }

  it("the first claims the identity and builds; one deciding while it runs waits, then reuses its image", async () => {
    const identity = `sha256:${randomUUID()}`;
    const a = await running(identity);
    expect(await decideCoalesce(db, a, () => {})).toEqual({ kind: "build" });
    expect((await db.build.findUniqueOrThrow({ where: { id: a.buildId } })).configHash).toBe(identity);

    const b = await running(identity, a.repositoryId);
    const waitedFor: string[] = [];
    const decided = decideCoalesce(db, b, (other) => waitedFor.push(other));
    await new Promise((r) => setTimeout(r, 300));
    expect(waitedFor).toEqual([a.buildId]);
    const digest = `sha256:${"e".repeat(64)}`;
    await db.build.update({
      where: { id: a.buildId },
      data: { status: "succeeded", digest, imageRef: `127.0.0.1:5000/github/1:build-${a.buildId}`, totalSteps: 4, finishedAt: new Date() },
    });
    expect(await decided).toEqual({
      kind: "reuse",
      source: { id: a.buildId, digest, imageRef: `127.0.0.1:5000/github/1:build-${a.buildId}`, totalSteps: 4 },
    });
    // The waiting build never claimed the identity: it built nothing.
    expect((await db.build.findUniqueOrThrow({ where: { id: b.buildId } })).configHash).toBeNull();
  });

  it("builds when the one it waited for failed, when the image was pruned or is in another registry, and across repositories never reuses", async () => {
    const identity = `sha256:${randomUUID()}`;
    const a = await running(identity);
    await decideCoalesce(db, a, () => {});
    await db.build.update({ where: { id: a.buildId }, data: { status: "failed", finishedAt: new Date() } });
    const b = await running(identity, a.repositoryId);
    expect(await decideCoalesce(db, b, () => {})).toEqual({ kind: "build" });
    await db.build.update({
      where: { id: b.buildId },
      data: {
        status: "succeeded",
        digest: `sha256:${"f".repeat(64)}`,
        imageRef: "127.0.0.1:5000/github/1:b",
        finishedAt: new Date(),
        imagePrunedAt: new Date(),
      },
    });
    const c = await running(identity, a.repositoryId);
    expect(await decideCoalesce(db, c, () => {})).toEqual({ kind: "build" });
    await db.build.update({
      where: { id: c.buildId },
      data: { status: "succeeded", digest: `sha256:${"f".repeat(64)}`, imageRef: "old-registry:5000/github/1:c", finishedAt: new Date() },
    });
    const d = await running(identity, a.repositoryId);
    expect(await decideCoalesce(db, d, () => {})).toEqual({ kind: "build" });
    await db.build.update({
      where: { id: d.buildId },
      data: { status: "succeeded", digest: `sha256:${"f".repeat(64)}`, imageRef: "127.0.0.1:5000/github/1:d", finishedAt: new Date() },
    });
    // Another repository with the same identity string (it cannot have the same commit and
    // namespace, but even so): no reuse across repositories.
    const other = await running(identity);
    expect(await decideCoalesce(db, other, () => {})).toEqual({ kind: "build" });
    const e = await running(identity, a.repositoryId);
    expect(await decideCoalesce(db, e, () => {})).toMatchObject({ kind: "reuse", source: { id: d.buildId } });
  });

  it("a branch or tag never reuses a pull request's image (a pull request may reuse theirs); an image older than the limit is built again", async () => {
    const identity = `sha256:${randomUUID()}`;
    const done = (id: string, daysAgo = 0) =>
      db.build.update({
        where: { id },
        data: {
          status: "succeeded",
          digest: `sha256:${"9".repeat(64)}`,
          imageRef: `127.0.0.1:5000/github/1:build-${id}`,
          finishedAt: new Date(Date.now() - daysAgo * 86_400_000),
        },
      });
    const pr = { ...(await running(identity)), pullRequest: true };
    await db.build.update({ where: { id: pr.buildId }, data: { pullRequest: 7 } });
    expect(await decideCoalesce(db, pr, () => {})).toEqual({ kind: "build" });
    await done(pr.buildId);
    const branch = await running(identity, pr.repositoryId);
    expect(await decideCoalesce(db, branch, () => {})).toEqual({ kind: "build" });
    await done(branch.buildId, 10);
    // The branch build is 10 days old: a pull request reuses it within 14 days, not within 7.
    const pr2 = { ...(await running(identity, pr.repositoryId)), pullRequest: true };
    await db.build.update({ where: { id: pr2.buildId }, data: { pullRequest: 8 } });
    expect(await decideCoalesce(db, { ...pr2, maxAgeDays: 14 }, () => {})).toMatchObject({ kind: "reuse" });
    const tag = await running(identity, pr.repositoryId);
    expect(await decideCoalesce(db, { ...tag, maxAgeDays: 7 }, () => {})).toEqual({ kind: "build" });
  });

  it("a worker that never reuses (SLIPWAY_COALESCE=false) still claims the identity, so its image can be reused", async () => {
    const a = await running(`sha256:${randomUUID()}`);
    const build = await db.build.findUniqueOrThrow({ where: { id: a.buildId }, include: { repository: true } });
    const config = parseBuildConfig(undefined);
    const req = request("github-1");
    const out = await coalesceBuild(
      db,
      { registry: "127.0.0.1:5000", network: "default", coalesce: false },
      { build, runId: a.runId, imageRef: "127.0.0.1:5000/github/1:build-x", config, request: req, signal: a.signal, line: () => {} },
    );
    expect(out).toBeUndefined();
    expect((await db.build.findUniqueOrThrow({ where: { id: a.buildId } })).configHash).toBe(
      buildIdentity(build.sha, config, req, "default"),
    );
  });

  it("a cancel while waiting ends the wait", async () => {
    const identity = `sha256:${randomUUID()}`;
    const a = await running(identity);
    await decideCoalesce(db, a, () => {});
    const stop = new AbortController();
    const b = { ...(await running(identity, a.repositoryId)), signal: stop.signal };
    const decided = decideCoalesce(db, b, () => stop.abort());
    await expect(decided).rejects.toThrow(/stopped while waiting for a build of the same commit and config/);
  });
});
