// Generated requests to every /api/v1 route that takes a body, and to the query strings of
// every GET route, over real HTTP. The routes come from the api's own OpenAPI document, so a
// route added later is fuzzed without anyone updating this file. Never a 5xx, never a dropped
// connection, every error a JSON `{"error":{"code","message"}}`; without a valid token nothing
// is written; the api answers /healthz after.
import { ReliabilityTally, TestGitServer } from "@slipway/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countsDiff, deepJson, expectClearAnswer, farmCounts, headerValue, rawRequest, wrongValue, type RawAnswer } from "./fuzz-http";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";
import { pushBuild } from "./push-build";
import { valuesOf, type JsonSchema } from "./schema-values";

interface Operation {
  method: string;
  /** "/api/v1/builds/{id}" */
  path: string;
  pathParams: string[];
  queryParams: string[];
  body: JsonSchema | undefined;
}

let api: TestApi;
let git: TestGitServer;
let ops: Operation[] = [];
/** real values for path parameters, so that some requests reach a handler's later checks */
const real: Record<string, string> = { owner: "acme", name: "app", host: "ghcr.io" };
const tally = new ReliabilityTally("fuzz-api-bodies");

beforeAll(async () => {
  git = await TestGitServer.start();
  api = await startTestApi({ git: { baseUrl: git.baseUrl, protocols: ["git"] } });
  real.id = await pushBuild(api, "acme/app", 9101);
  // on the git host too (branch main), so a manual build of it can get all the way to 202
  git.commit("acme/app", { Dockerfile: "FROM scratch\n" });
  const res = await rawRequest(`${api.url}/api/v1/openapi.json`, "GET", []);
  expect(res.status).toBe(200);
  ops = operationsOf(JSON.parse(res.text) as OpenApiDocument);
});
afterAll(async () => {
  tally.write();
  await api?.close();
  await git?.destroy();
});

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        responses?: Record<string, { content?: Record<string, unknown> }>;
      }
    >
  >;
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      // A live stream answers for as long as the client listens: not a request/answer to fuzz.
      .filter(([, op]) => !Object.values(op.responses ?? {}).some((r) => r.content && "text/event-stream" in r.content))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
        body: op.requestBody?.content?.["application/json"]?.schema,
      })),
  );
}

const bodyOps = () => ops.filter((o) => ["POST", "PUT", "PATCH"].includes(o.method) && o.path !== "/webhooks/github");
const getOps = () => ops.filter((o) => o.method === "GET");

/** a path parameter: the real one, or a generated one, encoded or raw */
const paramValue = (name: string) =>
  fc.oneof(
    { arbitrary: fc.constant(encodeURIComponent(real[name] ?? "x")), weight: 3 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 60 }).map(encodeURIComponent), weight: 3 },
    fc.uuid(),
    fc.constantFrom("%", "%zz", "%E0%A4%A", "..", "%2e%2e%2f", "%00", "a%2Fb", encodeURIComponent("a".repeat(5000)), "%F0%9F%92%A5"),
  );

const urlOf = (op: Operation, params: Record<string, string>, query = "") =>
  `${api.url}${op.path.replace(/\{(\w+)\}/g, (_, n: string) => params[n] ?? "x")}${query}`;

const pathParams = (op: Operation): fc.Arbitrary<Record<string, string>> =>
  fc.record(Object.fromEntries(op.pathParams.map((p) => [p, paramValue(p)])));

/** a body and the Content-Type it is sent with */
const bodyFor = (op: Operation): fc.Arbitrary<{ body?: string | Uint8Array; type: string | null }> => {
  const json = (a: fc.Arbitrary<unknown>) => a.map((v) => ({ body: JSON.stringify(v) ?? "null", type: "application/json" }));
  const extra = fc.dictionary(fc.string({ maxLength: 12 }), wrongValue, { maxKeys: 3 });
  return fc.oneof(
    { arbitrary: json(valuesOf(op.body)), weight: 6 },
    { arbitrary: json(fc.tuple(valuesOf(op.body), extra).map(([b, e]) => (typeof b === "object" && b ? { ...e, ...b } : b))), weight: 2 },
    { arbitrary: json(wrongValue), weight: 2 },
    { arbitrary: deepJson.map((body) => ({ body, type: "application/json" })), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 1024 }).map((b) => ({ body: b, type: "application/json" })), weight: 1 },
    {
      arbitrary: fc
        .integer({ min: 100_000, max: 1_500_000 })
        .map((n) => ({ body: JSON.stringify({ name: "x".repeat(n), value: "x", token: "x" }), type: "application/json" })),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        body: fc.oneof(fc.string({ maxLength: 200 }), fc.json()),
        type: fc.oneof(
          fc.constantFrom(
            null,
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
          ),
          headerValue,
        ),
      }),
      weight: 2,
    },
    { arbitrary: fc.constant({ type: "application/json" }), weight: 1 },
  );
};

/** an Authorization header that is not a valid token: none, a wrong one, a malformed one */
const badAuth = fc.oneof(
  fc.constant(null),
  fc.string({ minLength: 1, maxLength: 80 }).map((t) => `Bearer ${t}`),
  fc.constant(`Bearer ${API_TOKEN}x`),
  fc.constant(`Bearer ${API_TOKEN.slice(0, -1)}`),
  fc.constant(`bearer  ${API_TOKEN} extra`),
  fc.constant("Basic YWRtaW46YWRtaW4="),
  headerValue,
);

async function send(cls: string, method: string, url: string, headers: [string, string][], body?: string | Uint8Array): Promise<RawAnswer> {
  const c = tally.of(cls);
  c.cases++;
  let res: RawAnswer;
  try {
    res = await rawRequest(url, method, headers, body);
  } catch (err) {
    c.crashes++;
    throw err;
  }
  if (res.status >= 500) c.fiveXX++;
  expectClearAnswer(res, `${cls} ${method} ${url.slice(api.url.length, api.url.length + 120)}`);
  return res;
}

async function expectUp(): Promise<void> {
  expect((await rawRequest(`${api.url}/healthz`, "GET", [])).status).toBe(200);
}

const withType = (type: string | null, auth: string | null): [string, string][] => [
  ...(type === null ? [] : ([["content-type", type]] as [string, string][])),
  ...(auth === null ? [] : ([["authorization", auth]] as [string, string][])),
];

describe("API fuzzing: every route that takes a body", () => {
  it("the document names the routes to fuzz", () => {
    expect(bodyOps().length).toBeGreaterThanOrEqual(8);
    expect(getOps().filter((o) => o.queryParams.length).length).toBeGreaterThanOrEqual(3);
  });

  it("generated bodies and path parameters with a valid token", async () => {
    const arb = fc
      .nat()
      .map((i) => bodyOps()[i % bodyOps().length]!)
      .chain((op) => fc.tuple(fc.constant(op), pathParams(op), bodyFor(op)));
    await fc.assert(
      fc.asyncProperty(arb, async ([op, params, { body, type }]) => {
        await send("bodies, valid token", op.method, urlOf(op, params), withType(type, `Bearer ${API_TOKEN}`), body);
      }),
      { numRuns: 2000 },
    );
    await expectUp();
  });

  it("generated bodies without a valid token: refused, nothing written", async () => {
    const arb = fc
      .nat()
      .map((i) => bodyOps()[i % bodyOps().length]!)
      .chain((op) => fc.tuple(fc.constant(op), pathParams(op), bodyFor(op), badAuth));
    const before = await farmCounts(api);
    await fc.assert(
      fc.asyncProperty(arb, async ([op, params, { body, type }, auth]) => {
        const res = await send("bodies, no or wrong token", op.method, urlOf(op, params), withType(type, auth), body);
        expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 800 },
    );
    const after = await farmCounts(api);
    tally.of("bodies, no or wrong token").unsignedRows = countsDiff(before, after);
    expect(after).toEqual(before);
    await expectUp();
  });
});

describe("API fuzzing: query strings of GET routes", () => {
  const queryFor = (op: Operation) => {
    const name = fc.oneof(
      { arbitrary: op.queryParams.length ? fc.constantFrom(...op.queryParams) : fc.constant("limit"), weight: 4 },
      { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
      { arbitrary: fc.constantFrom("__proto__", "constructor", "limit[]", "a[b]", ""), weight: 1 },
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("-1", "0", "1e9", "NaN", "1.5", "99999999999999999999", "true", "queued", "acme/app", "acme/*", real.id ?? "x"),
      fc.fullUnicodeString({ maxLength: 20 }),
      fc.constant("x".repeat(6000)),
    );
    return fc
      .array(fc.record({ name, value, raw: fc.boolean() }), { maxLength: 6 })
      .map((pairs) =>
        pairs.length
          ? `?${pairs.map((p) => (p.raw ? `${p.name}=${p.value}`.replace(/[#\s]/g, "") : `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value)}`)).join("&")}`
          : "",
      );
  };

  it("generated query strings and path parameters with a valid token", async () => {
    const arb = fc
      .nat()
      .map((i) => getOps()[i % getOps().length]!)
      .chain((op) => fc.tuple(fc.constant(op), pathParams(op), queryFor(op)));
    await fc.assert(
      fc.asyncProperty(arb, async ([op, params, query]) => {
        await send("GET query strings, valid token", "GET", urlOf(op, params, query), [["authorization", `Bearer ${API_TOKEN}`]]);
      }),
      { numRuns: 1200 },
    );
    await expectUp();
  });

  // With fuzz-webhook.test.ts (6,300): at least 10,000 generated requests.
  it("sent at least 4,000 generated requests", () => {
    expect(tally.total()).toBeGreaterThanOrEqual(4_000);
  });
});
