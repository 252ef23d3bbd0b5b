// Image retention and deleted refs' caches against a real PostgreSQL database and a real
// Distribution registry: exactly the old, unshared images go; shared digests and kept images stay.
import { randomBytes, randomInt } from "node:crypto";
import { internalCachePath, internalImagePath } from "@slipway/contracts";
import { createDb, type Db } from "@slipway/db";
import { RegistryClient } from "@slipway/registry";
import {
  createTestDatabase,
  pushTestImage,
  startFlakyProxy,
  startRegistry,
  testEnv,
  TestGitServer,
  type TestDatabase,
  type TestRegistry,
} from "@slipway/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dropRefCaches, pruneImages, refGoneOnGitHost, type InternalRegistry } from "../src/index";

const DAY = 86_400_000;
const NOW = new Date();
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";

let database: TestDatabase;
let db: Db;
let reg: TestRegistry;
let registry: InternalRegistry;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 3 });
  reg = await startRegistry();
  registry = { host: reg.host, client: new RegistryClient({ backoffMs: 10 }) };
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  await reg?.stop();
});
beforeEach(async () => {
  await db.$executeRaw`TRUNCATE publishes, build_attempts, builds, webhook_deliveries, maintenance_marks, repositories CASCADE`;
});

const status = async (repository: string, reference: string) =>
  (await fetch(`${reg.url}/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT } })).status;

/** Puts manifest bytes under a tag (what a build's push leaves). */
async function tag(repository: string, image: { bytes: Buffer; mediaType: string }, t: string): Promise<void> {
  const res = await fetch(`${reg.url}/v2/${repository}/manifests/${t}`, {
    method: "PUT",
    headers: { "content-type": image.mediaType },
    body: image.bytes,
  });
  expect(res.status).toBe(201);
}

async function repo(): Promise<{ id: string; githubId: bigint }> {
  const githubId = BigInt(randomInt(1, 2 ** 47));
  const name = `app-${githubId}`;
  const r = await db.repository.create({ data: { githubId, fullName: `acme/${name}`, owner: "acme", name, defaultBranch: "main" } });
  return { id: r.id, githubId };
}

interface BuildSeed {
  repositoryId: string;
  githubId: bigint;
  refName: string;
  finishedDaysAgo: number;
  /** digest per attempt, in order; the last is the build's current attempt */
  digests: string[];
  status?: "succeeded" | "failed" | "running";
  /** @defaultValue a commit of its own */
  sha?: string;
}

/** A build whose attempts pushed build-<id>[-n] with the given digests; returns the image tags. */
async function build(s: BuildSeed): Promise<{ id: string; tags: string[] }> {
  const id = uuidv7();
  const tags = s.digests.map((_, i) => `build-${id}${i > 0 ? `-${i + 1}` : ""}`);
  const ref = (t: string) => `${reg.host}/${internalImagePath(s.githubId)}:${t}`;
  const finishedAt = ago(s.finishedDaysAgo);
  await db.build.create({
    data: {
      id,
      repositoryId: s.repositoryId,
      trigger: "push",
      ref: `refs/heads/${s.refName}`,
      refType: "branch",
      refName: s.refName,
      sha: s.sha ?? randomBytes(20).toString("hex"),
      status: s.status ?? "succeeded",
      attempt: s.digests.length,
      createdAt: new Date(finishedAt.getTime() - 60_000),
      finishedAt,
      imageRef: ref(tags[tags.length - 1]!),
      digest: s.digests[s.digests.length - 1]!,
      attempts: {
        create: s.digests.map((digest, i) => ({
          attempt: i + 1,
          trigger: "push",
          status: "succeeded",
          finishedAt,
          imageRef: ref(tags[i]!),
          digest,
        })),
      },
    },
  });
  return { id, tags };
}

describe("pruneImages", () => {
  it("deletes old unshared images, untags old images whose digest a kept one has, and keeps each ref's newest and pending publishes", async () => {
    const r = await repo();
    const path = internalImagePath(r.githubId);
    const [a, shared, feature, pending, retried] = await Promise.all(
      ["a", "shared", "feature", "pending", "retried"].map((l) => pushTestImage({ url: reg.url, repository: path }, l)),
    );
    const retriedOld = await pushTestImage({ url: reg.url, repository: path }, "retried-old");
    const seed = { repositoryId: r.id, githubId: r.githubId };
    const old = await build({ ...seed, refName: "main", finishedDaysAgo: 40, digests: [a!.digest] });
    const rebuilt = await build({ ...seed, refName: "main", finishedDaysAgo: 35, digests: [shared!.digest] });
    const newest = await build({ ...seed, refName: "main", finishedDaysAgo: 1, digests: [shared!.digest] });
    const onlyFeature = await build({ ...seed, refName: "feature", finishedDaysAgo: 40, digests: [feature!.digest] });
    const publishing = await build({ ...seed, refName: "release", finishedDaysAgo: 50, digests: [pending!.digest] });
    await build({ ...seed, refName: "release", finishedDaysAgo: 2, digests: [pending!.digest] });
    await db.publish.create({ data: { buildId: publishing.id, target: "ghcr.io/acme/app", tag: "v1" } });
    const twoTries = await build({ ...seed, refName: "fix", finishedDaysAgo: 40, digests: [retriedOld.digest, retried!.digest] });
    // An old build whose commit builds again right now (a retry, a tag on it): the new build
    // may be pushing the same digest before it records it, so the manifest must stay.
    const inFlight = await pushTestImage({ url: reg.url, repository: path }, "in-flight");
    const sha = randomBytes(20).toString("hex");
    const oldOfCommit = await build({ ...seed, refName: "hotfix", finishedDaysAgo: 45, digests: [inFlight.digest], sha });
    await build({ ...seed, refName: "hotfix", finishedDaysAgo: 44, digests: [`sha256:${"6".repeat(64)}`] });
    await db.build.create({
      data: { repositoryId: r.id, trigger: "retry", ref: "refs/tags/v9", refType: "tag", refName: "v9", sha, status: "running" },
    });
    await tag(path, inFlight, oldOfCommit.tags[0]!);
    for (const [b, image] of [
      [old, [a]],
      [rebuilt, [shared]],
      [newest, [shared]],
      [onlyFeature, [feature]],
      [publishing, [pending]],
      [twoTries, [retriedOld, retried]],
    ] as const)
      for (const [i, t] of b.tags.entries()) await tag(path, image[i]!, t);

    const result = await pruneImages(db, registry, { imagesDays: 30 }, NOW);

    expect(result).toMatchObject({ deleted: 2, untagged: 2, elsewhere: 0, failed: 0, complete: true });
    expect(await status(path, oldOfCommit.tags[0]!)).toBe(404);
    expect(await status(path, inFlight.digest)).toBe(200);
    // Old and unshared: the manifest is gone with its tag.
    expect(await status(path, a!.digest)).toBe(404);
    expect(await status(path, old.tags[0]!)).toBe(404);
    expect(await status(path, retriedOld.digest)).toBe(404);
    // Old, but a kept build has the same digest: only the tag went.
    expect(await status(path, rebuilt.tags[0]!)).toBe(404);
    expect(await status(path, shared!.digest)).toBe(200);
    expect(await status(path, newest.tags[0]!)).toBe(200);
    // Kept: the newest of a ref (also a retried build's current attempt), and pending publishes.
    expect(await status(path, onlyFeature.tags[0]!)).toBe(200);
    expect(await status(path, twoTries.tags[1]!)).toBe(200);
    expect(await status(path, publishing.tags[0]!)).toBe(200);

    const pruned = await db.buildAttempt.findMany({ where: { imagePrunedAt: { not: null } }, select: { digest: true } });
    expect(pruned.map((p) => p.digest).sort()).toEqual([a!.digest, retriedOld.digest, shared!.digest, inFlight.digest].sort());
    // The build says so when its current attempt's image went (the API's imageRemovedAt).
    const builds = await db.build.findMany({ where: { imagePrunedAt: { not: null } }, select: { id: true } });
    expect(builds.map((b) => b.id).sort()).toEqual([old.id, rebuilt.id, oldOfCommit.id].sort());
    // A second run finds nothing to do.
    expect(await pruneImages(db, registry, { imagesDays: 30 }, NOW)).toMatchObject({ deleted: 0, untagged: 0 });
  });

  it("records an image in another registry than the internal one without touching it, and passes over one the registry refuses", async () => {
    const r = await repo();
    // The registry refuses every deletion (403), through a proxy of the test's own.
    const proxy = await startFlakyProxy(reg.host, (req) =>
      req.method === "DELETE"
        ? { status: 403, body: Buffer.from('{"errors":[{"code":"DENIED","message":"deletes are off"}]}') }
        : undefined,
    );
    try {
      const refusing: InternalRegistry = { host: proxy.host, client: registry.client };
      const seed = { repositoryId: r.id, githubId: r.githubId };
      const moved = await build({ ...seed, refName: "x", finishedDaysAgo: 40, digests: [`sha256:${"1".repeat(64)}`] });
      await build({ ...seed, refName: "x", finishedDaysAgo: 1, digests: [`sha256:${"2".repeat(64)}`] });
      const refused = await build({ ...seed, refName: "y", finishedDaysAgo: 40, digests: [`sha256:${"3".repeat(64)}`] });
      await build({ ...seed, refName: "y", finishedDaysAgo: 1, digests: [`sha256:${"4".repeat(64)}`] });
      await db.buildAttempt.updateMany({
        where: { buildId: moved.id },
        data: { imageRef: `old-registry:5000/${internalImagePath(r.githubId)}:${moved.tags[0]}` },
      });
      await db.buildAttempt.updateMany({
        where: { buildId: refused.id },
        data: { imageRef: `${proxy.host}/${internalImagePath(r.githubId)}:${refused.tags[0]}` },
      });

      const result = await pruneImages(db, refusing, { imagesDays: 30 }, NOW);

      expect(result).toMatchObject({ elsewhere: 1, failed: 1, complete: true });
      expect(result.lastError).toMatch(/deletion of manifest sha256:3{64} denied \(403\): DENIED deletes are off/);
      expect(proxy.log.filter((l) => l.method === "DELETE")).toHaveLength(1);
      expect((await db.buildAttempt.findFirstOrThrow({ where: { buildId: moved.id } })).imagePrunedAt).not.toBeNull();
      // Never touched, so not said to be removed.
      expect((await db.build.findUniqueOrThrow({ where: { id: moved.id } })).imagePrunedAt).toBeNull();
      expect((await db.buildAttempt.findFirstOrThrow({ where: { buildId: refused.id } })).imagePrunedAt).toBeNull();
    } finally {
      await proxy.close();
    }
  });
});

describe("dropRefCaches", () => {
  /** A delivery as ingest stores a branch deletion (push, deleted: true) or a closed pull request: ignored. */
  async function deletion(
    repositoryId: string,
    receivedAt: Date,
    payload: Record<string, unknown>,
    event = "push",
    action: string | null = null,
  ) {
    await db.webhookDelivery.create({
      data: {
        githubDelivery: uuidv7(),
        event,
        action,
        repositoryId,
        outcome: "ignored",
        reason: "test",
        payload: payload as object,
        receivedAt,
      },
    });
  }

  it("drops the caches of deleted branches and closed pull requests, never a cache another ref still has", async () => {
    const r = await repo();
    const cache = internalCachePath(r.githubId);
    const [gone, twin, pr, again, main, featureX] = await Promise.all(
      ["gone", "twin", "pr", "again", "main", "feature-x"].map((l) => pushTestImage({ url: reg.url, repository: cache }, l)),
    );
    await tag(cache, gone!, "branch-gone");
    await tag(cache, twin!, "branch-twin");
    await tag(cache, twin!, "branch-main"); // identical caches: the same digest under two tags
    await tag(cache, pr!, "pr-7");
    await tag(cache, again!, "branch-again");
    await tag(cache, main!, "branch-develop");
    await tag(cache, featureX!, "branch-feature-x");
    const t = ago(0.01);
    await deletion(r.id, t, { ref: "refs/heads/gone", deleted: true });
    await deletion(r.id, t, { ref: "refs/heads/twin", deleted: true });
    await deletion(r.id, t, { number: 7, action: "closed" }, "pull_request", "closed");
    await deletion(r.id, t, { ref: "refs/heads/again", deleted: true });
    await deletion(r.id, t, { ref: "refs/heads/main", deleted: true }); // the default branch: every ref reads its cache
    await deletion(r.id, t, { ref: "refs/heads/feature/x", deleted: true }); // feature-x, still built, writes the same tag
    await deletion(r.id, t, { ref: "refs/heads/develop", deleted: false }); // a push, not a deletion
    const seed = { repositoryId: r.id, githubId: r.githubId, digests: ["sha256:" + "5".repeat(64)] };
    await build({ ...seed, refName: "again", finishedDaysAgo: 0.001 }); // pushed again after the deletion
    await build({ ...seed, refName: "feature-x", finishedDaysAgo: 3 });

    const result = await dropRefCaches(db, registry, NOW);

    expect(result).toEqual({ dropped: 3, manifestsDeleted: 2, kept: 3, failed: 0, complete: true });
    expect(await status(cache, "branch-gone")).toBe(404);
    expect(await status(cache, gone!.digest)).toBe(404);
    expect(await status(cache, "pr-7")).toBe(404);
    expect(await status(cache, "branch-twin")).toBe(404);
    expect(await status(cache, "branch-main")).toBe(200);
    expect(await status(cache, twin!.digest)).toBe(200);
    for (const kept of ["branch-again", "branch-develop", "branch-feature-x"]) expect(await status(cache, kept)).toBe(200);

    // The next run starts from its mark: a deletion that arrived long before it is not read; the
    // last minutes before the mark are read again (they may have committed late), at no cost:
    // the dropped tags are gone, the kept ones are not counted again.
    await deletion(r.id, ago(1), { ref: "refs/heads/develop", deleted: true });
    expect(await dropRefCaches(db, registry, new Date(NOW.getTime() + 60_000))).toEqual({
      dropped: 0,
      manifestsDeleted: 0,
      kept: 0,
      failed: 0,
      complete: true,
    });
    expect(await status(cache, "branch-develop")).toBe(200);
  });

  it("asks the git host first: a ref still there keeps its cache; a host that does not answer stops the run, which goes on next time", async () => {
    const r = await repo();
    const cache = internalCachePath(r.githubId);
    const [one, two] = await Promise.all(["one", "two"].map((l) => pushTestImage({ url: reg.url, repository: cache }, l)));
    await tag(cache, one!, "branch-still-there");
    await tag(cache, two!, "branch-gone-now");
    await deletion(r.id, ago(0.02), { ref: "refs/heads/still-there", deleted: true });
    await deletion(r.id, ago(0.01), { ref: "refs/heads/gone-now", deleted: true });
    // A real git host: the branch still-there exists on it, gone-now does not.
    const git = await TestGitServer.start();
    try {
      git.commit(`acme/app-${r.githubId}`, { "README.md": "hi\n" }, { branch: "still-there" });
      const refGone = refGoneOnGitHost({ baseUrl: git.baseUrl, protocols: ["git"] });
      await git.stop();
      // The host does not answer: nothing dropped, the run stops and says so.
      expect(await dropRefCaches(db, registry, NOW, { refGone })).toMatchObject({ dropped: 0, complete: false });
      expect(await status(cache, "branch-still-there")).toBe(200);
      expect(await status(cache, "branch-gone-now")).toBe(200);
      await git.start();
      expect(await dropRefCaches(db, registry, NOW, { refGone })).toEqual({
        dropped: 1,
        manifestsDeleted: 1,
        kept: 1,
        failed: 0,
        complete: true,
      });
      expect(await status(cache, "branch-still-there")).toBe(200);
      expect(await status(cache, "branch-gone-now")).toBe(404);
    } finally {
      await git.destroy();
    }
  });
});
