// GET /api/v1/builds/:id/logs on a large stored log: streamed from Postgres page by page, every
// byte and line in order.
import { insertTestBuild } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

const LINES_PER_CHUNK = 1000;
const CHUNKS = 160;
/** 249 characters + newline; "é" makes some of them multi-byte */
const line = (n: number) => `#7 ${String(n).padStart(7, "0")} ${n % 10 === 0 ? "é" : "e"}`.padEnd(249, "-");

describe("GET /builds/:id/logs on a 40 MB log", () => {
  it("serves every line in order, byte for byte, as text/plain", async () => {
    const { buildId } = await insertTestBuild(api.db, "succeeded");
    let expectedBytes = 0;
    for (let batch = 0; batch < CHUNKS; batch += 20) {
      const data = [];
      for (let seq = batch; seq < batch + 20; seq++) {
        const first = seq * LINES_PER_CHUNK + 1;
        const content = Array.from({ length: LINES_PER_CHUNK }, (_, i) => line(first + i)).join("\n");
        expectedBytes += Buffer.byteLength(content) + 1;
        data.push({ buildId, attempt: 1, seq, firstLine: first, lineCount: LINES_PER_CHUNK, content });
      }
      await api.db.buildLogChunk.createMany({ data });
    }
    expect(expectedBytes).toBeGreaterThan(40_000_000);

    const res = await fetch(`${api.url}/api/v1/builds/${buildId}/logs`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    // Read as it arrives, keeping only counts and the unfinished line.
    const decoder = new TextDecoder();
    let bytes = 0;
    let pending = "";
    let count = 0;
    let inOrder = true;
    let first = "";
    let last = "";
    for await (const part of res.body!) {
      bytes += part.byteLength;
      const lines = (pending + decoder.decode(part, { stream: true })).split("\n");
      pending = lines.pop()!;
      for (const l of lines) {
        count++;
        if (count === 1) first = l;
        if (l !== line(count)) inOrder = false;
        last = l;
      }
    }
    expect(pending).toBe("");
    expect(bytes).toBe(expectedBytes);
    expect(count).toBe(CHUNKS * LINES_PER_CHUNK);
    expect(inOrder).toBe(true);
    expect(first).toBe(line(1));
    expect(last).toBe(line(CHUNKS * LINES_PER_CHUNK));
  });

  it("an empty log is an empty body; unknown builds and attempts are errors before any byte", async () => {
    const { buildId } = await insertTestBuild(api.db, "running");
    const get = (path: string) => fetch(`${api.url}/api/v1/builds/${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const empty = await get(`${buildId}/logs`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe("");
    expect((await get(`${buildId}/logs?attempt=2`)).status).toBe(400);
    expect((await get("00000000-0000-7000-8000-000000000000/logs")).status).toBe(404);
  });
});
