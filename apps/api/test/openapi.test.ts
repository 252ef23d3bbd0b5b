// The API describes itself: the OpenAPI document is generated from the zod schemas the routes
// validate with, so it names every route, and real answers match the schemas it publishes.
import { createApiToken } from "@slipway/auth";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";
import { listRoutes } from "./list-routes";
import { pushBuild } from "./push-build";

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { summary?: string; responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
}

let api: TestApi;
let doc: OpenApiDocument;
let buildId = "";

const get = async (path: string, token: string | null = API_TOKEN) => {
  const res = await fetch(`${api.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
};

/** "/api/v1/builds/:id" as OpenAPI writes it: "/api/v1/builds/{id}" */
const openApiPath = (route: string) => route.replace(/:(\w+)/g, "{$1}");

/** A validator for the JSON answer `status` of `METHOD /path` as the document describes it. */
function answerValidator(method: string, route: string, status: number) {
  const responses = doc.paths[openApiPath(route)]?.[method.toLowerCase()]?.responses;
  const schema = (responses?.[String(status)] ?? responses?.default)?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${route} ${status} has a JSON schema in the document`).toBeDefined();
  // The whole document is the schema's home, so any $ref into components resolves.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...doc, $id: "openapi.json" });
  return ajv.compile({ $id: `answer:${method}:${route}:${status}`, ...schema });
}

beforeAll(async () => {
  api = await startTestApi();
  buildId = await pushBuild(api, "Acme/App", 7001);
  await pushBuild(api, "Acme/App", 7001);
  await createApiToken(api.db, { name: "listed", scopes: ["read"], repositories: ["acme/*"] });
  const res = await get("/api/v1/openapi.json", null);
  expect(res.status).toBe(200);
  doc = JSON.parse(res.text) as OpenApiDocument;
});
afterAll(async () => {
  await api?.close();
});

describe("GET /api/v1/openapi.json", () => {
  it("is an OpenAPI 3 document, readable without a token", () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  });

  it("names every /api/v1 route the server has, with its method", () => {
    // Fastify's own route tree: a route added later is checked without anyone updating this test.
    const routes = listRoutes(api.app).filter((r) => r.split(" ")[1]!.startsWith("/api/v1/") && !r.startsWith("HEAD "));
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((r) => {
      const [method, path] = r.split(" ") as [string, string];
      return !doc.paths[openApiPath(path)]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });

  it("gives every /api/v1 route a summary and the schema of its answer", () => {
    const undescribed = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/api/v1/") && path !== "/api/v1/openapi.json")
      .flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => {
            // A 204 has no body to describe.
            const success = Object.entries(op.responses ?? {}).find(([status]) => status.startsWith("2"));
            return (
              !op.summary ||
              !success ||
              (success[0] !== "204" && !success[1].content) ||
              !op.responses?.default?.content?.["application/json"]?.schema
            );
          })
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
    expect(undescribed).toEqual([]);
  });

  it("describes the answers of the routes outside /api/v1 too (webhook, health; the registry token realm is described when the api has one)", () => {
    const answer = (path: string, method: string, status: string) =>
      doc.paths[path]?.[method]?.responses?.[status]?.content?.["application/json"]?.schema;
    expect(answer("/webhooks/github", "post", "202")).toMatchObject({
      required: expect.arrayContaining(["deliveryId", "outcome", "buildId"]),
    });
    expect(answer("/healthz", "get", "200")).toBeTruthy();
    expect(answer("/readyz", "get", "503")).toMatchObject({ required: expect.arrayContaining(["status", "checks"]) });
  });

  it("describes bodies and queries from the contracts' schemas, and the bearer token", () => {
    const createToken = doc.paths["/api/v1/tokens"]?.post as
      { requestBody?: { content?: Record<string, { schema?: { required?: string[] } }> } } | undefined;
    expect(createToken?.requestBody?.content?.["application/json"]?.schema?.required).toEqual(expect.arrayContaining(["name", "scopes"]));
    const listBuilds = doc.paths["/api/v1/builds"]?.get as { parameters?: { name: string; in: string }[] } | undefined;
    expect(
      listBuilds?.parameters
        ?.filter((p) => p.in === "query")
        .map((p) => p.name)
        .sort(),
    ).toEqual(["branch", "cursor", "limit", "repo", "status"]);
    expect(JSON.stringify(doc)).toContain('"bearer"');
  });
});

describe("real answers match the document's schemas", () => {
  const cases: [string, string, (id: string) => string][] = [
    ["GET", "/api/v1/builds/:id", (id) => `/api/v1/builds/${id}`],
    ["GET", "/api/v1/builds", () => "/api/v1/builds?limit=1"],
    ["GET", "/api/v1/tokens", () => "/api/v1/tokens"],
    ["GET", "/api/v1/repositories", () => "/api/v1/repositories"],
    ["GET", "/api/v1/queues", () => "/api/v1/queues"],
    ["GET", "/api/v1/builds/:id/steps", (id) => `/api/v1/builds/${id}/steps`],
    ["GET", "/api/v1/session", () => "/api/v1/session"],
  ];
  for (const [method, route, url] of cases) {
    it(`${method} ${route}`, async () => {
      const res = await get(url(buildId));
      expect(res.status, res.text).toBe(200);
      const answer = JSON.parse(res.text) as Record<string, unknown>;
      const validate = answerValidator(method, route, 200);
      expect(validate(answer), JSON.stringify(validate.errors)).toBe(true);
      // The schema is not vacuous: the same answer with a wrong type in its first field fails it.
      const [first] = Object.keys(answer);
      expect(validate({ ...answer, [first!]: { wrong: true } })).toBe(false);
    });
  }

  it("an error answer matches the error schema (404 for a build that does not exist)", async () => {
    const res = await get("/api/v1/builds/00000000-0000-4000-8000-000000000000");
    expect(res.status).toBe(404);
    const validate = answerValidator("GET", "/api/v1/builds/:id", 404);
    expect(validate(JSON.parse(res.text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ message: "not the error shape" })).toBe(false);
  });
});

describe("GET /api/docs", () => {
  it("renders the document as a page whose scripts are served here (no CDN)", async () => {
    const page = await get("/api/docs/", null);
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    const scripts = [...page.text.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const asset = await get(new URL(src, `${api.url}/api/docs/`).pathname, null);
      expect(asset.status, src).toBe(200);
    }
    const config = await get("/api/docs/json", null);
    expect(JSON.parse(config.text).openapi).toBe(doc.openapi);
  });
});
