import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";
import { readSse } from "./sse-client";

const BASE = `${testEnv.registry}/base/busybox:1`;
let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

const stream = (id: string, headers: Record<string, string> = {}, query = "") =>
  fetch(`${farm.api.url}/api/v1/builds/${id}/logs/stream${query}`, {
    headers: { authorization: `Bearer ${API_TOKEN}`, accept: "text/event-stream", ...headers },
  });

describe("live build logs over Server-Sent Events", () => {
  let id: string;
  let stored: string[];

  it("streams lines while the build runs, then an end event with the status", async () => {
    const sha = farm.git.commit(
      REPO,
      { ".slipway.yml": null, Dockerfile: `FROM ${BASE}\nRUN for i in 1 2 3 4 5; do echo "tick $i ${Date.now()}"; sleep 1; done\n` },
      { branch: BRANCH },
    );
    id = await pushCommit(farm.api.url, sha);
    const res = await stream(id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    let statusAtFirstTick = "";
    const events = await readSse(res, (evs) => {
      if (!statusAtFirstTick && evs.some((e) => e.data.includes(" tick 1 "))) {
        statusAtFirstTick = "pending";
        void farm.api.db.build.findUniqueOrThrow({ where: { id } }).then((b) => (statusAtFirstTick = b.status));
      }
      return false;
    });
    // The first tick arrived while the build was still running: live, not after the fact.
    await eventually(async () => statusAtFirstTick !== "pending", 5_000, "status read");
    expect(statusAtFirstTick).toBe("running");
    const lines = events.filter((e) => e.event === "line");
    const end = events.at(-1)!;
    expect(end.event).toBe("end");
    expect(JSON.parse(end.data)).toEqual({ status: "succeeded", attempt: 1 });
    // Every line, in order, numbered 1..n, the same as the stored log.
    expect(lines.map((e) => Number(e.id))).toEqual(lines.map((_, i) => i + 1));
    stored = (await (await farm.apiFetch(`/builds/${id}/logs`)).text()).split("\n").slice(0, -1);
    expect(lines.map((e) => e.data)).toEqual(stored);
    const ticks = lines.filter((e) => / tick \d /.test(e.data));
    expect(ticks).toHaveLength(5);
    // Spread over the build's run time, not delivered in one burst at the end.
    expect(ticks.at(-1)!.at - ticks[0]!.at).toBeGreaterThan(2000);
  });

  it("resumes after Last-Event-ID (and ?after=), from the record once the build has ended", async () => {
    const resumed = await readSse(await stream(id, { "last-event-id": "5" }));
    expect(resumed.filter((e) => e.event === "line").map((e) => e.data)).toEqual(stored.slice(5));
    expect(resumed.at(-1)!.event).toBe("end");
    const byQuery = await readSse(await stream(id, {}, `?after=${stored.length - 2}`));
    expect(byQuery.map((e) => e.event)).toEqual(["line", "line", "end"]);
  });

  it("names bad input and needs a token", async () => {
    const bad = await stream(id, { "last-event-id": "x" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toContain("Last-Event-ID / after must be a line number");
    expect((await stream(id, {}, "?attempt=7")).status).toBe(400);
    expect((await stream("00000000-0000-7000-8000-000000000000")).status).toBe(404);
    expect((await fetch(`${farm.api.url}/api/v1/builds/${id}/logs/stream`)).status).toBe(401);
  });
});
