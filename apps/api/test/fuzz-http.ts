// What the api fuzz suites share: a raw HTTP request, the shape every error answer must have,
// what the farm holds (rows and jobs), and generators of wrong values.
import fc from "fast-check";
import { expect } from "vitest";
import type { TestApi } from "./harness";

export interface RawAnswer {
  status: number;
  type: string;
  text: string;
}

/** One request over real HTTP; a dropped connection throws (the suites count it as a crash). */
export async function rawRequest(url: string, method: string, headers: [string, string][], body?: Uint8Array | string): Promise<RawAnswer> {
  const h = new Headers();
  // append, not set: a header given twice is sent twice (the server sees "a, b").
  for (const [name, value] of headers) h.append(name, value);
  const res = await fetch(url, {
    method,
    headers: h,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** An answer under 500; an error answer is `{"error":{"code","message"}}` with a message saying what is wrong. */
export function expectClearAnswer(res: RawAnswer, cls: string): void {
  const what = `${cls}: ${res.status} ${res.type} ${res.text.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  if (res.status < 400) return;
  expect(res.type, what).toMatch(/^application\/json/);
  const body = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, what).toBe("string");
  expect(typeof body.error?.message, what).toBe("string");
  expect((body.error!.message as string).length, what).toBeGreaterThan(3);
}

/** Rows ingest and the API write, and jobs in every queue: what a refused request must not change. */
export async function farmCounts(api: TestApi) {
  const [deliveries, builds, attempts, outbox, repositories, tokens, secrets, ...queues] = await Promise.all([
    api.db.webhookDelivery.count(),
    api.db.build.count(),
    api.db.buildAttempt.count(),
    api.db.outboxMessage.count(),
    api.db.repository.count(),
    api.db.apiToken.count(),
    api.db.secret.count(),
    ...[api.producers.build, api.producers.publish, api.producers.report].map((p) => p.queue.getJobCounts()),
  ]);
  const jobs = queues.reduce((n, counts) => n + Object.values(counts).reduce((a, b) => a + b, 0), 0);
  return { deliveries, builds, attempts, outbox, repositories, tokens, secrets, jobs };
}

/** the sum of the differences of two farmCounts */
export const countsDiff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(a).reduce((n, k) => n + Math.abs((b[k] ?? 0) - (a[k] ?? 0)), 0);

/** JSON text nested `depth` levels: arrays, objects or both */
export const deepJson = fc
  .record({ depth: fc.integer({ min: 1, max: 200_000 }), kind: fc.constantFrom("array", "object", "mixed") })
  .map(({ depth, kind }) => {
    if (kind === "array") return `${"[".repeat(depth)}${"]".repeat(depth)}`;
    if (kind === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    return `${'{"a":['.repeat(depth)}1${"]}".repeat(depth)}`;
  });

/** strings the database, JSON and regexes have trouble with */
const nastyString = fc.constantFrom(
  "",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "💥",
  "../../etc/passwd",
  "%00",
  "'; DROP TABLE builds; --",
  "${jndi:x}",
  "\r\nX-Injected: 1",
  "refs/heads/",
  "a".repeat(70_000),
);

/** any value of the wrong type for a field: scalars, nested values, big and odd strings */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, maxKeys: 5 }),
  fc.json({ maxDepth: 3 }).map((j) => JSON.parse(j) as unknown),
  nastyString,
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
  fc.double(),
  fc.fullUnicodeString({ maxLength: 200 }),
  fc.constantFrom(null, true, false, [], {}, 0, -1, 1e308, "0", "true", "null"),
);

/** a header value fetch can send (visible ASCII and spaces) */
export const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom("", "push", "pull_request", "ping", "PUSH", "push, push", "issues", "../", "a".repeat(3000)),
);
