// Fault: the api SIGKILLed and started again while a client follows a build's live log over
// Server-Sent Events. The client reconnects with Last-Event-ID (as EventSource does) and gets
// every line once, in order, with no gap: the worker kept the log while the api was away.
import { randomUUID } from "node:crypto";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startProcessFarm, type ProcessFarm } from "../bench/process-farm";
import { pushCommit, REPO } from "../e2e/push-payload";
import { readSse, type SseEvent } from "../e2e/sse-client";
import { checkInvariants, recordFault } from "./invariants";

const LINES = 300;
let farm: ProcessFarm;

beforeAll(async () => {
  farm = await startProcessFarm({ name: "fault-api-restart-sse", workers: 1 });
});
afterAll(async () => {
  await farm?.close();
});

/** Follows the log until `stop`, or until the connection breaks (the api killed): what arrived. */
async function follow(buildId: string, lastEventId: string | undefined, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  const res = await farm.apiFetch(`/builds/${buildId}/logs/stream`, {
    headers: { accept: "text/event-stream", ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
  });
  expect(res.status).toBe(200);
  await readSse(res, (events) => {
    seen.splice(0, seen.length, ...events);
    return stop(events);
  }).catch(() => undefined);
  return seen;
}

describe("the api restarted under a log follower", () => {
  it("the follower resumes with Last-Event-ID and gets every line once, in order", async () => {
    const branch = `sse-${randomUUID().slice(0, 8)}`;
    const sha = farm.git.commit(
      REPO,
      {
        Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nCOPY id.txt /id.txt\nRUN for i in $(seq 1 ${LINES}); do echo "line-$i"; sleep 0.03; done\n`,
        "id.txt": `${randomUUID()}\n`,
      },
      { branch },
    );
    const buildId = await pushCommit(farm.url, sha, { ref: `refs/heads/${branch}` });
    await eventually(
      async () => (await farm.db.build.findUniqueOrThrow({ where: { id: buildId } })).status === "running",
      60_000,
      "the build to run",
    );

    // Follow until the RUN step has printed some of its lines, then kill the api under it.
    const printed = (events: SseEvent[]) => events.filter((e) => e.event === "line" && /line-\d+$/.test(e.data)).length;
    let soFar = 0;
    const firstPart = follow(buildId, undefined, (events) => {
      soFar = printed(events);
      return false;
    });
    await eventually(async () => soFar >= 20, 120_000, "the RUN step's first lines on the stream");
    await farm.kill("api", "SIGKILL");
    const first = await firstPart;
    expect(printed(first)).toBeGreaterThan(0);
    expect(printed(first)).toBeLessThan(LINES);
    farm.restart("api");
    await eventually(async () => (await fetch(`${farm.url}/readyz`).catch(() => undefined))?.ok === true, 60_000, "the api to be back");

    const lastId = first.filter((e) => e.id !== undefined).at(-1)!.id!;
    const second = await follow(buildId, lastId, (events) => events.some((e) => e.event === "end"));
    const lines = [...first, ...second].filter((e) => e.event === "line");
    expect([...first, ...second].filter((e) => e.event === "gap")).toEqual([]);
    // Line numbers 1..n, each once; the RUN step's lines all there, in order.
    expect(lines.map((e) => Number(e.id))).toEqual(lines.map((_, i) => i + 1));
    const run = lines.map((e) => /line-(\d+)$/.exec(e.data)?.[1]).filter((n): n is string => n !== undefined);
    expect(run.map(Number)).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(second.at(-1)!.event).toBe("end");
    const stored = await farm.apiFetch(`/builds/${buildId}/logs`).then((r) => r.text());
    expect(stored.trimEnd().split("\n").length).toBe(lines.length);

    const counts = await checkInvariants(farm.db, [buildId], { acknowledged: 1, fiveXX: 0 });
    expect(counts).toMatchObject({ lost: 0, duplicated: 0, stuck: 0 });
    recordFault("api-restart-sse", "the api SIGKILLed and started again under a live log follower", 1, counts, [
      `${printed(first)} of the RUN step's ${LINES} lines before the kill; ${lines.length} log lines in all, numbered 1..${lines.length} with no gap or repeat`,
    ]);
  });
});
