import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit, REPO } from "./push-payload";

// A branch of its own: e2e files share the repository (and so its cache path), and a
// concurrent build exporting to the default branch's cache would change what others import.
const BRANCH = "e2e-log-limits";

const BASE = `${testEnv.registry}/base/busybox:1`;
const CAP = 1024 * 1024; // the worker's SLIPWAY_BUILD_LOG_MAX_MB, made small so the test is quick
const MARKER = "slipway: the log reached its limit of 1 MiB (SLIPWAY_BUILD_LOG_MAX_MB); further output of this build is not kept";
const CUT = " [slipway: line cut at 64 KiB]";

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm({ logMaxBytes: CAP });
});
afterAll(async () => {
  await farm?.close();
});

describe("a build printing about 3x the log limit", () => {
  it("succeeds; the stored log stops at the limit with one marker, the live stream stays small and expires", async () => {
    // 180,000 characters without a newline, then `seq` prints 2.7 MB (~3.9 MB as log lines).
    const run = `echo "nonce ${Date.now()}" && yes xxxxxxxxx | head -c 200000 | tr -d '\\n' && echo && seq 1 400000 && echo "after the output"`;
    const sha = farm.git.commit(REPO, { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN ${run}\n` }, { branch: BRANCH });
    const id = await pushCommit(farm.api.url, sha, { ref: `refs/heads/${BRANCH}` });
    const redis = farm.api.redis;
    const key = `slipway:log:${id}:1`;

    // The stream has its TTL while the build runs, from its first lines on.
    let seenWhile = "";
    await eventually(
      async () => {
        if ((await redis.exists(key)) !== 1) return false;
        const ttl = await redis.ttl(key);
        seenWhile = `${(await farm.api.db.build.findUniqueOrThrow({ where: { id } })).status} ttl=${ttl > 0 ? "set" : ttl}`;
        return true;
      },
      120_000,
      "the live stream",
    );
    expect(seenWhile).toBe("running ttl=set");

    const b = await farm.waitForEnd(id);
    expect(b.errorMessage).toBeNull();
    expect(b.status).toBe("succeeded");
    expect(b.digest).toMatch(/^sha256:/);

    const res = await farm.apiFetch(`/builds/${id}/logs`);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const log = await res.text();
    const size = Buffer.byteLength(log);
    // The limit, plus the marker and the closing line (Slipway's own lines are kept past it).
    expect(size).toBeGreaterThan(CAP - 1024);
    expect(size).toBeLessThanOrEqual(CAP + 1024);
    const lines = log.split("\n").slice(0, -1);
    expect(lines.filter((l) => l === MARKER)).toHaveLength(1);
    // After the marker only Slipway's own lines (why steps ran, the outcome), the outcome last.
    expect(lines.slice(lines.indexOf(MARKER) + 1).every((l) => l.startsWith("slipway: "))).toBe(true);
    expect(lines.at(-1)).toMatch(/^slipway: build succeeded in [\d.]+s: .*@sha256:[0-9a-f]{64} \(\d+\/\d+ steps cached\)$/);

    // The long line is cut at 64 KiB, visibly; the rest of it is dropped, not made into lines.
    const runVertex = /#(\d+) \[2\/2\] RUN echo "nonce/.exec(log)![1]!;
    const cut = lines.filter((l) => l.endsWith(CUT));
    expect(cut).toHaveLength(1);
    expect(cut[0]).toMatch(new RegExp(`^#${runVertex} x+ \\[slipway`));
    expect(Buffer.byteLength(cut[0]!)).toBe(64 * 1024 + CUT.length);
    // seq's lines follow the cut line directly and are kept in order up to the limit.
    const out = lines.filter((l) => l.startsWith(`#${runVertex} `)).map((l) => l.slice(runVertex.length + 2));
    const numbers = out
      .slice(out.findIndex((l) => l === "1"))
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    expect(out[out.findIndex((l) => l.endsWith(CUT)) + 1]).toBe("1");
    expect(numbers.length).toBeGreaterThan(50_000);
    expect(numbers.length).toBeLessThan(400_000);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    expect(out.includes("after the output")).toBe(false);

    // The live stream: trimmed to ~2,000 entries (MAXLEN ~, whole nodes of 100), small in
    // memory, ending with the same last line, still expiring.
    const xlen = await redis.xlen(key);
    expect(xlen).toBeGreaterThanOrEqual(2_000);
    expect(xlen).toBeLessThanOrEqual(2_100);
    const bytes = Number(await redis.call("MEMORY", "USAGE", key, "SAMPLES", "0"));
    expect(bytes).toBeLessThan(1024 * 1024);
    const [latest] = await redis.xrevrange(key, "+", "-", "COUNT", 1);
    expect(latest![1]).toEqual(["n", String(lines.length), "l", lines.at(-1)]);
    const ttl = await redis.ttl(key);
    // Closed: kept briefly (readers of an ended attempt read Postgres).
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });
});
