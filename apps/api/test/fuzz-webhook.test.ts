// Generated requests to POST /webhooks/github over real HTTP: never a 5xx, never a dropped
// connection, the api up after; a request without a valid signature stores no row and queues
// no job; a signed one is stored (2xx) or refused with a JSON error naming the problem (4xx).
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { branchPushExample, pullRequestExample, ReliabilityTally, withNewPush } from "@slipway/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countsDiff, deepJson, expectClearAnswer, farmCounts, headerValue, rawRequest, wrongValue, type RawAnswer } from "./fuzz-http";
import { startTestApi, WEBHOOK_SECRET, type TestApi } from "./harness";

let api: TestApi;
const tally = new ReliabilityTally("fuzz-webhook");
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  tally.write();
  await api?.close();
});

const sign = (body: Uint8Array, secret = WEBHOOK_SECRET) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const bytesOf = (body: string | Uint8Array) => (typeof body === "string" ? Buffer.from(body) : body);

/** GitHub's example payloads, and every field path in them (to put a wrong value at) */
const examples = { push: withNewPush(branchPushExample()), pull_request: pullRequestExample() } as Record<string, unknown>;
function pathsOf(value: unknown, prefix: string[] = [], depth = 0): string[][] {
  if (typeof value !== "object" || value === null || depth > 2) return [];
  return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k], depth + 1)]);
}
const paths = { push: pathsOf(examples.push), pull_request: pathsOf(examples.pull_request) };

/** an example payload with wrong values at some of its fields (or fields removed) */
const wrongShape = fc
  .record({
    event: fc.constantFrom("push", "pull_request") as fc.Arbitrary<"push" | "pull_request">,
    picks: fc.array(fc.record({ at: fc.nat(), value: wrongValue, remove: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ event, picks }) => {
    const payload = structuredClone(examples[event]) as Record<string, unknown>;
    (payload as { before?: string }).before = randomBytes(20).toString("hex");
    for (const { at, value, remove } of picks) {
      const path = paths[event][at % paths[event].length]!;
      let cur = payload as Record<string, unknown>;
      for (const k of path.slice(0, -1)) {
        if (typeof cur[k] !== "object" || cur[k] === null) cur[k] = {};
        cur = cur[k] as Record<string, unknown>;
      }
      if (remove) delete cur[path.at(-1)!];
      else cur[path.at(-1)!] = value;
    }
    return { event, body: JSON.stringify(payload) ?? "null" };
  });

/** a signature header that does not match the body: missing, malformed, another secret, right length wrong value */
const badSignature = (body: Uint8Array) =>
  fc.oneof(
    fc.constant(null),
    headerValue,
    fc.constantFrom("sha256=", "sha1=abc", "sha256=zz", `SHA256=${sign(body).slice(7)}`, `sha256=${sign(body).slice(7).toUpperCase()}`),
    fc.string({ minLength: 1, maxLength: 40 }).map((secret) => sign(body, `${WEBHOOK_SECRET}${secret}`)),
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `sha256=${Buffer.from(b).toString("hex")}`),
    fc.constant(sign(Buffer.concat([body, Buffer.from(" ")]))),
    // the right signature twice: the server sees "sha256=…, sha256=…"
    fc.constant(`${sign(body)}, ${sign(body)}`),
  );

/** the usual headers, each kept, dropped, duplicated or replaced by an odd value */
const headerMix = fc.record({
  event: fc.oneof(fc.constantFrom("push", "pull_request", "ping", "issues"), headerValue),
  eventMode: fc.constantFrom("keep", "keep", "drop", "twice"),
  delivery: fc.oneof(fc.constant(""), headerValue, fc.uuid()),
  deliveryMode: fc.constantFrom("keep", "keep", "keep", "drop", "twice", "odd"),
  contentType: fc.oneof(
    fc.constantFrom("application/json", "application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data"),
    headerValue,
  ),
  contentTypeMode: fc.constantFrom("keep", "keep", "drop", "twice"),
  hookId: fc.option(headerValue),
  extra: fc.array(fc.tuple(fc.constantFrom("x-github-event", "x-github-delivery", "x-hub-signature", "x-forwarded-for"), headerValue), {
    maxLength: 2,
  }),
  // now and then more header bytes than Node's parser takes (16 KiB)
  padding: fc.option(fc.integer({ min: 1_000, max: 24_000 }), { freq: 8 }),
});
type HeaderMix = typeof headerMix extends fc.Arbitrary<infer T> ? T : never;

function headersOf(m: HeaderMix, event: string, signature: string | null): [string, string][] {
  const h: [string, string][] = [["user-agent", "GitHub-Hookshot/fuzz"]];
  const put = (name: string, value: string, mode: string) => {
    if (mode === "drop") return;
    h.push([name, value]);
    if (mode === "twice") h.push([name, value]);
  };
  put("x-github-event", m.eventMode === "keep" ? event : m.event, m.eventMode);
  put("x-github-delivery", m.deliveryMode === "odd" ? m.delivery : randomUUID(), m.deliveryMode);
  put("content-type", m.contentTypeMode === "keep" ? "application/json" : m.contentType, m.contentTypeMode);
  if (m.hookId !== null) h.push(["x-github-hook-id", m.hookId]);
  if (signature !== null) h.push(["x-hub-signature-256", signature]);
  if (m.padding !== null) h.push(["x-padding", "p".repeat(m.padding)]);
  return [...h, ...m.extra];
}

const post = (headers: [string, string][], body: string | Uint8Array) => rawRequest(`${api.url}/webhooks/github`, "POST", headers, body);

/** sends one case and checks the answer; tallies it under `cls` */
async function send(cls: string, headers: [string, string][], body: string | Uint8Array, signed: boolean): Promise<RawAnswer> {
  const c = tally.of(cls);
  c.cases++;
  let res: RawAnswer;
  try {
    res = await post(headers, body);
  } catch (err) {
    c.crashes++;
    throw err;
  }
  if (res.status >= 500) c.fiveXX++;
  expectClearAnswer(res, cls);
  // Without a valid signature nothing past the signature check runs: 401; or refused before
  // it, for a body over the cap (413) or a Content-Type header that does not parse (415).
  // And headers over 16 KiB (431) are refused by Node's parser before any route.
  if (!signed) expect([401, 413, 415, 431], `${cls}: ${res.text.slice(0, 200)}`).toContain(res.status);
  return res;
}

async function expectUp(): Promise<void> {
  const res = await rawRequest(`${api.url}/healthz`, "GET", []);
  expect(res.status).toBe(200);
}

/** Runs the cases of `cls`, then checks that they left no row and no job behind. */
async function storingNothing(cls: string, run: () => Promise<void>): Promise<void> {
  const before = await farmCounts(api);
  await run();
  const after = await farmCounts(api);
  tally.of(cls).unsignedRows = countsDiff(before, after);
  expect(after).toEqual(before);
  await expectUp();
}

describe("webhook fuzzing: requests without a valid signature", () => {
  it("random bytes with any headers and a bad signature", async () => {
    const arb = fc.uint8Array({ maxLength: 2048 }).chain((body) => fc.tuple(fc.constant(body), badSignature(body), headerMix));
    await storingNothing("unsigned: random bytes", () =>
      fc.assert(
        fc.asyncProperty(arb, async ([body, signature, mix]) => {
          await send("unsigned: random bytes", headersOf(mix, "push", signature), body, false);
        }),
        { numRuns: 1300 },
      ),
    );
  });

  it("push and pull_request payloads of the wrong shape with a bad signature", async () => {
    const arb = wrongShape.chain((p) => fc.tuple(fc.constant(p), badSignature(Buffer.from(p.body)), headerMix));
    await storingNothing("unsigned: wrong-shape payloads", () =>
      fc.assert(
        fc.asyncProperty(arb, async ([p, signature, mix]) => {
          await send("unsigned: wrong-shape payloads", headersOf({ ...mix, eventMode: "keep" }, p.event, signature), p.body, false);
        }),
        { numRuns: 1300 },
      ),
    );
  });

  it("huge bodies with a bad signature", async () => {
    const arb = fc.record({ size: fc.integer({ min: 64 * 1024, max: 2 * 1024 * 1024 }), char: fc.constantFrom("a", "\u0000", "é", "[") });
    await storingNothing("unsigned: huge bodies", () =>
      fc.assert(
        fc.asyncProperty(arb, headerMix, async ({ size, char }, m) => {
          const body = JSON.stringify({ ref: "refs/heads/main", padding: char.repeat(size) });
          const mix: HeaderMix = { ...m, eventMode: "keep", contentTypeMode: "keep" };
          await send("unsigned: huge bodies", headersOf(mix, "push", sign(Buffer.from(body), "not-the-secret")), body, false);
        }),
        { numRuns: 12 },
      ),
    );
  });

  it("deeply nested JSON with a bad signature", async () => {
    await storingNothing("unsigned: deep JSON", () =>
      fc.assert(
        fc.asyncProperty(deepJson, headerMix, async (body, mix) => {
          await send("unsigned: deep JSON", headersOf(mix, "push", sign(Buffer.from(body), "wrong")), body, false);
        }),
        { numRuns: 100 },
      ),
    );
  });

  it("header mix-ups around a valid push with a bad or missing signature", async () => {
    const body = JSON.stringify(examples.push);
    await storingNothing("unsigned: header mix-ups", () =>
      fc.assert(
        fc.asyncProperty(headerMix, badSignature(Buffer.from(body)), async (mix, signature) => {
          await send("unsigned: header mix-ups", headersOf(mix, "push", signature), body, false);
        }),
        { numRuns: 700 },
      ),
    );
  });
});

describe("webhook fuzzing: correctly signed requests", () => {
  it("wrong-shape push and pull_request payloads: stored, or a 4xx naming the field", async () => {
    await fc.assert(
      fc.asyncProperty(wrongShape, headerMix, async (p, mix) => {
        const headers = headersOf(
          { ...mix, eventMode: "keep", deliveryMode: "keep", contentTypeMode: "keep" },
          p.event,
          sign(bytesOf(p.body)),
        );
        const res = await send("signed: wrong-shape payloads", headers, p.body, true);
        if (res.status === 422) expect(res.text).toMatch(/"message":"[^"]*\w+:/);
      }),
      { numRuns: 1400 },
    );
    await expectUp();
  });

  it("random bytes, odd JSON and deep JSON, signed", async () => {
    const odd = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      deepJson,
      fc.json({ maxDepth: 4 }),
      wrongValue.map((v) => JSON.stringify({ ref: v, after: v, repository: { id: v, full_name: v, name: v }, zero: "\u0000" }) ?? ""),
      fc.constantFrom(
        '{"a":"\\u0000"}',
        '{"a":"\\ud800"}',
        '{"a":1e999}',
        "payload=%7B%7D",
        "{}",
        "",
        " ",
        "null",
        '{"__proto__":{"x":1}}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(odd, fc.constantFrom("push", "pull_request", "ping", "issues"), headerMix, async (body, event, mix) => {
        const headers = headersOf({ ...mix, eventMode: "keep", deliveryMode: "keep" }, event, sign(bytesOf(body)));
        await send("signed: random bytes and odd JSON", headers, body, true);
      }),
      { numRuns: 800 },
    );
    await expectUp();
  });

  it("header mix-ups around a signed push", async () => {
    await fc.assert(
      fc.asyncProperty(headerMix, async (mix) => {
        const body = JSON.stringify(withNewPush(examples.push as { before: string }));
        await send("signed: header mix-ups", headersOf(mix, "push", sign(Buffer.from(body))), body, true);
      }),
      { numRuns: 700 },
    );
    await expectUp();
  });

  // With fuzz-api-bodies.test.ts (4,000): at least 10,000 generated requests.
  it("sent at least 6,300 generated requests", () => {
    expect(tally.total()).toBeGreaterThanOrEqual(6_300);
  });
});
