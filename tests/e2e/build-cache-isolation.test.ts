// RUN --mount=type=cache is daemon-local state every build on a host can name. Two repositories
// with the same cache mount (target /cache here; /root/.m2, /go/pkg/mod in life) must not see
// each other's contents: one could read the other's private dependencies or plant code in them.
import { randomUUID } from "node:crypto";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";

const BRANCH = "e2e-cache-isolation";
const VICTIM = { id: 70_001, fullName: "acme/victim" };
const ATTACKER = { id: 70_002, fullName: "acme/attacker" };
let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

const build = async (repo: { id: number; fullName: string }, run: string) => {
  const sha = farm.git.commit(
    repo.fullName,
    { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN --mount=type=cache,target=/cache ${run}\n` },
    { branch: BRANCH },
  );
  const b = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: `refs/heads/${BRANCH}`, repository: repo }));
  return { ...b, log: await (await farm.apiFetch(`/builds/${b.id}/logs`)).text() };
};

describe("cache mounts are kept per repository", () => {
  it("a repository cannot read what another one left in a cache mount of the same target", async () => {
    const secret = `secret-${randomUUID()}`;
    const victim = await build(VICTIM, `echo ${secret} > /cache/token && cat /cache/token`);
    expect(victim.status, victim.log).toBe("succeeded");
    // The victim itself sees its cache on the next build (the namespace is stable per repository).
    const again = await build(VICTIM, `echo "again-${randomUUID()}"; cat /cache/token`);
    expect(again.log).toMatch(new RegExp(`^#\\d+ ${secret}$`, "m"));

    const attacker = await build(ATTACKER, `echo "probe-${randomUUID()}"; cat /cache/token 2>/dev/null || echo NOTHING-HERE`);
    expect(attacker.status, attacker.log).toBe("succeeded");
    expect(attacker.log).toMatch(/^#\d+ NOTHING-HERE$/m);
    expect(attacker.log).not.toContain(secret);
  });
});
