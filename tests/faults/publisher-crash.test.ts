// Fault: the publisher SIGKILLed while it copies an image to a publish target. Started again,
// it takes the stalled job over once the dead one's lock runs out, and every tag ends pushed,
// once, pointing at the build's digest.
import { randomUUID } from "node:crypto";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { checkInvariants, publishesSettled, recordFault } from "./invariants";

const REPOSITORY = `faults/publisher-crash-${randomUUID().slice(0, 8)}`;
let farm: ProcessFarm;

beforeAll(async () => {
  farm = await startProcessFarm({ name: "fault-publisher-crash", workers: 1 });
});
afterAll(async () => {
  await farm?.close();
});

/** The digest the publish registry holds for `tag` (no credentials: the test registry is open). */
async function digestOf(tag: string): Promise<string | null> {
  const res = await fetch(`http://${testEnv.publishRegistry}/v2/${REPOSITORY}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      accept:
        "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  return res.ok ? res.headers.get("docker-content-digest") : null;
}

describe("the publisher killed mid-copy", () => {
  it("a publisher started again finishes the publish: every tag pushed once, at the build's digest", async () => {
    const branch = `pub-${randomUUID().slice(0, 8)}`;
    // A 48 MB layer of random bytes: the copy takes long enough to be killed in the middle.
    const sha = farm.git.commit(
      REPO,
      {
        Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\nRUN head -c 50000000 /dev/urandom > /big\n`,
        "id.txt": `${randomUUID()}\n`,
        ".slipway.yml": `publish:\n  - image: ${testEnv.publishRegistry}/${REPOSITORY}\n`,
      },
      { branch },
    );
    const buildId = await pushCommit(farm.url, sha, { ref: `refs/heads/${branch}` });
    await eventually(
      async () => (await farm.db.publish.count({ where: { buildId, status: "pending" } })) > 0,
      180_000,
      "the copy to start",
    );
    await farm.kill("publisher", "SIGKILL");
    const cutOff = await farm.db.publish.count({ where: { buildId, status: "pending" } });
    farm.restart("publisher");

    await eventually(async () => publishesSettled(farm.db, [buildId]), 120_000, "the publish to end");
    const build = await farm.db.build.findUniqueOrThrow({ where: { id: buildId }, include: { publishes: true } });
    expect(build.status).toBe("succeeded");
    expect(build.publishes.map((p) => p.status)).toEqual(build.publishes.map(() => "pushed"));
    for (const p of build.publishes) {
      expect(p.digest).toBe(build.digest);
      expect(await digestOf(p.tag)).toBe(build.digest);
    }
    const counts = await checkInvariants(farm.db, [buildId], { acknowledged: 1, fiveXX: 0 });
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0, publishProblems: 0 });
    recordFault("publisher-crash", "the publisher SIGKILLed mid-copy, then started again", 1, counts, [
      `${cutOff} tags were pending when it died; all ${build.publishes.length} ended pushed at the build's digest`,
    ]);
  });
});
