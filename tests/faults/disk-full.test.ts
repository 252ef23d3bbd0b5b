// Fault: the disk of the worker's cache folder full (a small tmpfs, filled). The build's try
// fails with the disk named, as the farm's failure (retried, not the user's); once space is
// freed the retry succeeds, and the worker leaves no scratch folder behind.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, rmdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { checkInvariants, recordFault } from "./invariants";

// A tmpfs of the test's own (the test set-up runs as root, as infra/services.sh does).
const cache = mkdtempSync("/tmp/slipway-fault-disk-");
const filler = join(cache, "filler");
let farm: ProcessFarm;

beforeAll(async () => {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", cache]);
  farm = await startProcessFarm({ name: "fault-disk-full", workers: 1, env: { worker: { SLIPWAY_WORKER_CACHE_DIR: cache } } });
});
afterAll(async () => {
  await farm?.close();
  execFileSync("umount", [cache]);
  rmdirSync(cache);
});

/** Writes `filler` until the filesystem refuses: the disk is full. */
function fillDisk(): void {
  const fd = openSync(filler, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

describe("the worker's cache disk full", () => {
  it("a clear failure of the farm's, then space is freed, then the retry succeeds with nothing left behind", async () => {
    fillDisk();
    const branch = `disk-${randomUUID().slice(0, 8)}`;
    const sha = farm.git.commit(
      REPO,
      { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\n`, "id.txt": `${randomUUID()}\n` },
      { branch },
    );
    const buildId = await pushCommit(farm.url, sha, { ref: `refs/heads/${branch}` });
    let message = "";
    await eventually(
      async () => {
        const b = await farm.db.build.findUniqueOrThrow({ where: { id: buildId } });
        message = b.errorMessage ?? "";
        return b.errorClass !== null;
      },
      60_000,
      "the first try to fail",
    );
    expect(message).toMatch(/no space left on device|ENOSPC/i);
    expect((await farm.db.build.findUniqueOrThrow({ where: { id: buildId } })).errorClass).toBe("infrastructure");

    rmSync(filler);
    await eventually(
      async () => (await farm.db.build.findUniqueOrThrow({ where: { id: buildId } })).status === "succeeded",
      120_000,
      "the retry to succeed",
    );
    const attempt = await farm.db.buildAttempt.findFirstOrThrow({ where: { buildId } });
    expect(attempt.tries).toBeGreaterThanOrEqual(2);
    const log = await farm.apiFetch(`/builds/${buildId}/logs`).then((r) => r.text());
    expect(log).toMatch(/no space left on device|ENOSPC/i);
    // Scratch folders (and their locks) gone: every try cleaned up after itself.
    expect(readdirSync(join(cache, "work"))).toEqual([]);

    const counts = await checkInvariants(farm.db, [buildId], { acknowledged: 1, fiveXX: 0, allowedTries: () => attempt.tries });
    recordFault("disk-full", "the disk of the worker's cache folder full, then space freed", 1, counts, [
      `try 1 failed as the farm's failure: "${message.slice(0, 120)}"; succeeded on try ${attempt.tries}`,
    ]);
  });
});
