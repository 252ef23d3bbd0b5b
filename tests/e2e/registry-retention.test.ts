// Retention in the farm's own internal registry (token auth): an old build's image and a
// deleted branch's cache are removed with retention's own credential, after a real build, a
// real cache export and a real branch deletion through the webhook.
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { internalCachePath, internalImagePath, ZERO_SHA } from "@slipway/contracts";
import { RegistryClient } from "@slipway/registry";
import { internalRegistryLogin } from "@slipway/registry-auth";
import { dropRefCaches, pruneImages, refGoneOnGitHost, type InternalRegistry } from "@slipway/retention";
import { branchPushExample, postDelivery, testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;
// A repository of this test's own: retention must not touch another test's images or caches.
const repository = { id: randomInt(1e9, 2e9), fullName: `retain/app-${randomBytes(3).toString("hex")}` };
const reader = new RegistryClient(testRegistryClientOptions());

let farm: TestFarm;
let registry: InternalRegistry;
beforeAll(async () => {
  farm = await startTestFarm();
  registry = {
    host: testEnv.registry,
    client: new RegistryClient({
      credentials: internalRegistryLogin(testEnv.registrySecret, testEnv.registry, {
        sub: "retention",
        actions: ["pull", "push", "delete"],
      }),
    }),
  };
});
afterAll(async () => {
  await farm?.close();
});

/** A push that deleted `ref`, signed as GitHub signs it (ingest stores it as ignored). */
async function deleted(ref: string, before: string, repo: Record<string, unknown> = {}) {
  const payload = branchPushExample(repository);
  Object.assign(payload, { ref, before, after: ZERO_SHA, deleted: true, head_commit: null, commits: [] });
  Object.assign(payload.repository, repo);
  const res = await postDelivery(farm.api.url, { event: "push", payload, secret: WEBHOOK_SECRET, deliveryId: randomUUID() });
  expect(res.status).toBe(202);
  expect(res.body.outcome).toBe("ignored");
}

async function buildOn(branch: string, content: string) {
  const sha = farm.git.commit(repository.fullName, { Dockerfile: `FROM ${BASE}\nRUN echo "${content}" > /content\n` }, { branch });
  const id = await pushCommit(farm.api.url, sha, { ref: `refs/heads/${branch}`, repository });
  const build = await farm.waitForEnd(id);
  expect(build.status, build.errorMessage ?? "").toBe("succeeded");
  return build;
}

describe("internal registry retention", () => {
  it(
    "removes an old build's image, keeps the branch's newest, drops a deleted branch's cache and not a cache a forged deletion names",
    { timeout: 180_000 },
    async () => {
      const old = await buildOn("topic", `old ${randomUUID()}`);
      const newest = await buildOn("topic", `new ${randomUUID()}`);
      const images = internalImagePath(BigInt(repository.id));
      const cache = internalCachePath(BigInt(repository.id));
      expect(await reader.manifestDigest(testEnv.registry, images, old.digest!)).toBe(old.digest);
      expect(await reader.manifestDigest(testEnv.registry, cache, "branch-topic")).toBeDefined();

      // The first build finished long ago.
      await farm.api.db.buildAttempt.updateMany({
        where: { buildId: old.id },
        data: { finishedAt: new Date(Date.now() - 40 * 86_400_000) },
      });
      const pruned = await pruneImages(farm.api.db, registry, { imagesDays: 30 }, new Date());

      expect(pruned).toMatchObject({ deleted: 1, untagged: 0, failed: 0 });
      expect(await reader.manifestDigest(testEnv.registry, images, old.digest!)).toBeUndefined();
      expect(await reader.manifestDigest(testEnv.registry, images, newest.digest!)).toBe(newest.digest);
      const shown = (await (await farm.apiFetch(`/builds/${old.id}`)).json()) as { imageRemovedAt: string | null; digest: string };
      expect(shown.imageRemovedAt).not.toBeNull();
      expect(shown.digest).toBe(old.digest);
      expect(((await (await farm.apiFetch(`/builds/${newest.id}`)).json()) as { imageRemovedAt: unknown }).imageRemovedAt).toBeNull();

      // A forged deletion: signed with the shared secret, claiming a branch that is still there
      // was deleted, and a decoy default branch so the real one looks unprotected.
      await buildOn("main", `main ${randomUUID()}`);
      await deleted("refs/heads/main", newest.sha, { default_branch: "decoy" });
      // GitHub deletes the branch: it is gone from the git host, then the push with deleted: true
      // arrives, which ingest stores as ignored.
      farm.git.deleteRef(repository.fullName, "refs/heads/topic");
      await deleted("refs/heads/topic", newest.sha);

      const refGone = refGoneOnGitHost({ baseUrl: farm.git.baseUrl, protocols: ["git"] });
      expect(await dropRefCaches(farm.api.db, registry, new Date(), { refGone })).toEqual({
        dropped: 1,
        manifestsDeleted: 1,
        kept: 1,
        failed: 0,
        complete: true,
      });
      expect(await reader.manifestDigest(testEnv.registry, cache, "branch-topic")).toBeUndefined();
      expect(await reader.manifestDigest(testEnv.registry, cache, "branch-main")).toBeDefined();
      // The newest image is the build's record: a deleted branch does not take it.
      expect(await reader.manifestDigest(testEnv.registry, images, newest.digest!)).toBe(newest.digest);
    },
  );
});
