// Each live log stream holds a socket and a Redis connection of its own: a read token must not
// be able to open them without limit.
import { createApiToken } from "@slipway/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./harness";
import { pushBuild } from "./push-build";

let api: TestApi;
let buildId: string;
const open: AbortController[] = [];
beforeAll(async () => {
  api = await startTestApi({ logStreams: { perToken: 2, max: 3, recheckMs: 100 } });
  buildId = await pushBuild(api, "acme/streams", 91_001); // stays queued: its stream stays open
});
afterAll(async () => {
  for (const ac of open) ac.abort();
  await api?.close();
});

const stream = async (token: string) => {
  const ac = new AbortController();
  const res = await fetch(`${api.url}/api/v1/builds/${buildId}/logs/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  if (res.status === 200) open.push(ac);
  const body = res.status === 200 ? undefined : ((await res.json()) as { error: { code: string; message: string } });
  return { status: res.status, ac, body };
};

describe("live log streams are limited per token and per api process", () => {
  it("a token past SLIPWAY_LOG_STREAMS_PER_TOKEN gets 429; closing one frees its slot; the process-wide cap holds for everyone", async () => {
    const a = (await createApiToken(api.db, { name: "a", scopes: ["read"] })).token;
    const b = (await createApiToken(api.db, { name: "b", scopes: ["read"] })).token;
    const a1 = await stream(a);
    const a2 = await stream(a);
    expect([a1.status, a2.status]).toEqual([200, 200]);
    const a3 = await stream(a);
    expect(a3.status).toBe(429);
    expect(a3.body?.error).toEqual({
      code: "rate_limited",
      message: "this token has 2 live streams open (SLIPWAY_LOG_STREAMS_PER_TOKEN); close one first",
    });

    expect((await stream(b)).status).toBe(200); // 3 open: the process-wide cap
    const b2 = await stream(b);
    expect(b2.status).toBe(429);
    expect(b2.body?.error.message).toContain("SLIPWAY_LOG_STREAMS_MAX");

    a1.ac.abort();
    await new Promise((r) => setTimeout(r, 200)); // the server sees the close
    expect((await stream(b)).status).toBe(200);
    expect((await stream(a)).status).toBe(429); // process-wide cap again
  });

  it("a stream ends soon after its token is revoked", async () => {
    const { id, token } = await createApiToken(api.db, { name: "revoked-later", scopes: ["read"] });
    for (const ac of open.splice(0)) ac.abort(); // free the slots the test above holds
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${api.url}/api/v1/builds/${buildId}/logs/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    await api.db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    const text = await res.text(); // ends when the server closes the stream
    expect(text).toContain("event: error");
    expect(text).toContain("the API token was revoked or has expired");
  });
});
