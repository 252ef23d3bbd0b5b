import { createLogger } from "@slipway/logger";
import { executePublish, internalRegistryLogin } from "@slipway/publisher";
import { RegistryClient } from "@slipway/registry";
import { PublishAccess } from "@slipway/registry-credentials";
import { testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

const TARGET_REPO = `codertocat/order-${Date.now()}`;
const TARGET = `${testEnv.publishRegistry}/${TARGET_REPO}`;
const BASE = `${testEnv.registry}/base/busybox:1`;
const registry = new RegistryClient(testRegistryClientOptions());

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
  // Publishing is driven by hand below, in the order under test.
  await farm.publisher.close();
});
afterAll(async () => {
  await farm?.close();
});

const files = (content: string) => ({
  Dockerfile: `FROM ${BASE}\nRUN echo "${content}" > /content\n`,
  ".slipway.yml": `publish:\n  - image: ${TARGET}\n`,
});
async function buildOnly(sha: string, ref?: string) {
  const id = await pushCommit(farm.api.url, sha, ref ? { ref } : {});
  const b = await farm.waitForEnd(id);
  expect(b.status).toBe("succeeded");
  return b;
}
const publish = (buildId: string) =>
  executePublish(
    {
      db: farm.api.db,
      redis: farm.api.redis,
      logger: createLogger({ name: "t", level: "silent" }),
      internalRegistry: testEnv.registry,
      internalLogin: internalRegistryLogin(testEnv.registrySecret, testEnv.registry),
      access: new PublishAccess({ publicHosts: [testEnv.publishRegistry] }),
    },
    { buildId, attempt: 1, finalTry: true },
  );
const digestOf = async (tag: string) => (await registry.getManifest(testEnv.publishRegistry, TARGET_REPO, tag)).digest;

describe("floating tags never move backwards", () => {
  it("an older commit that finishes publishing last does not take the branch tag or latest", async () => {
    const older = await buildOnly(farm.git.commit(REPO, files(`older ${Date.now()}`), { branch: BRANCH }));
    const newer = await buildOnly(farm.git.commit(REPO, files(`newer ${Date.now()}`), { branch: BRANCH }));
    expect(newer.digest).not.toBe(older.digest);

    expect((await publish(newer.id)).kind).toBe("published");
    expect((await publish(older.id)).kind).toBe("published");

    expect(await digestOf(BRANCH)).toBe(newer.digest);
    expect(await digestOf("latest")).toBe(newer.digest);
    // The older build's own immutable tag is still published.
    expect(await digestOf(`sha-${older.sha.slice(0, 7)}`)).toBe(older.digest);
    const rows = await farm.api.db.publish.findMany({ where: { buildId: older.id }, orderBy: { tag: "asc" } });
    expect(rows.map((r) => [r.tag, r.status])).toEqual(
      [
        ["latest", "superseded"],
        [BRANCH, "superseded"],
        [`sha-${older.sha.slice(0, 7)}`, "pushed"],
      ].sort(),
    );
    expect(rows.find((r) => r.tag === "latest")!.error).toBe(`build ${newer.id}, pushed later, already published it`);
    const log = await (await farm.apiFetch(`/builds/${older.id}/logs`)).text();
    expect(log).toContain(`slipway: not moving ${TARGET}:latest: build ${newer.id}, pushed later, already published it`);
  });

  it("a hotfix release after a higher one does not take the major tag", async () => {
    const v120 = await buildOnly(
      farm.git.commit(REPO, files(`v1.2.0 ${Date.now()}`), { branch: BRANCH, tag: "v1.2.0" }),
      "refs/tags/v1.2.0",
    );
    const v119 = await buildOnly(
      farm.git.commit(REPO, files(`v1.1.9 ${Date.now()}`), { branch: BRANCH, tag: "v1.1.9" }),
      "refs/tags/v1.1.9",
    );
    await publish(v120.id);
    await publish(v119.id);
    expect(await digestOf("1")).toBe(v120.digest);
    expect(await digestOf("1.2")).toBe(v120.digest);
    expect(await digestOf("1.2.0")).toBe(v120.digest);
    expect(await digestOf("1.1")).toBe(v119.digest);
    expect(await digestOf("1.1.9")).toBe(v119.digest);
    const one = await farm.api.db.publish.findUniqueOrThrow({
      where: { buildId_target_tag: { buildId: v119.id, target: TARGET, tag: "1" } },
    });
    expect(one).toMatchObject({ status: "superseded", error: `release 1.2.0 (build ${v120.id}) is higher` });
  });
});
