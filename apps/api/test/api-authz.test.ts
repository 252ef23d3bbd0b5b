// Attacks on /api/v1 authorisation: every route, enumerated from the server itself, refuses a
// missing or bad token (401) and a token without the route's scope (403), and a token
// limited to some repositories cannot see, list or act on builds of others (404, exactly as
// for a build that does not exist).
import { randomBytes, randomUUID } from "node:crypto";
import { createApiToken } from "@slipway/auth";
import { matchRepository, type TTokenScope } from "@slipway/contracts";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./harness";
import { listRoutes } from "./list-routes";
import { pushBuild } from "./push-build";

/** Every /api/v1 route and the scope it needs. A new route fails "the table is complete". */
const SCOPE_OF: Record<string, TTokenScope> = {
  "GET /api/v1/builds": "read",
  "HEAD /api/v1/builds": "read",
  "GET /api/v1/builds/:id": "read",
  "HEAD /api/v1/builds/:id": "read",
  "GET /api/v1/builds/:id/logs": "read",
  "HEAD /api/v1/builds/:id/logs": "read",
  "GET /api/v1/builds/:id/logs/stream": "read",
  "GET /api/v1/builds/:id/steps": "read",
  "HEAD /api/v1/builds/:id/steps": "read",
  "GET /api/v1/builds/:id/publishes": "read",
  "HEAD /api/v1/builds/:id/publishes": "read",
  "POST /api/v1/builds/:id/retry": "write",
  "POST /api/v1/builds/:id/cancel": "write",
  "POST /api/v1/builds/:id/publish/retry": "write",
  "POST /api/v1/tokens": "admin",
  "GET /api/v1/tokens": "admin",
  "HEAD /api/v1/tokens": "admin",
  "DELETE /api/v1/tokens/:id": "admin",
  "PUT /api/v1/registries/:host": "admin",
  "GET /api/v1/registries": "admin",
  "HEAD /api/v1/registries": "admin",
  "DELETE /api/v1/registries/:host": "admin",
  "GET /api/v1/events": "read",
  "POST /api/v1/builds": "write",
  "GET /api/v1/repositories": "read",
  "HEAD /api/v1/repositories": "read",
  "PATCH /api/v1/repositories/:owner/:name": "admin",
  "GET /api/v1/queues": "read",
  "HEAD /api/v1/queues": "read",
  "GET /api/v1/workers": "read",
  "HEAD /api/v1/workers": "read",
  "PUT /api/v1/secrets/:name": "admin",
  "GET /api/v1/secrets": "admin",
  "HEAD /api/v1/secrets": "admin",
  "DELETE /api/v1/secrets/:name": "admin",
  "GET /api/v1/session": "read",
  "HEAD /api/v1/session": "read",
};
/**
 * Routes used before anyone is signed in: the dashboard's sign-in and sign-out (session.test.ts),
 * and the API's own description (openapi.test.ts).
 */
const PUBLIC = new Set(["POST /api/v1/session", "DELETE /api/v1/session", "GET /api/v1/openapi.json", "HEAD /api/v1/openapi.json"]);
/** the registry credential the registries routes act on (stored in beforeAll) */
const REGISTRY_HOST = "authz.example";
const BELOW: Record<TTokenScope, "none" | TTokenScope> = { read: "none", write: "read", admin: "write" };

let api: TestApi;
let apiRoutes: string[];
const builds = { acme: "", acmeTools: "", scratch: "", otherFailed: "", otherQueued: "" };
const tokens: Record<string, string> = {};
let throwawayTokenId = "";

interface Answer {
  status: number;
  body: any;
}

/** Calls `route` ("METHOD /path/:id") with `:id` = `id`, `:host` = REGISTRY_HOST (other params: a fresh UUID). */
async function call(route: string, token: string | null, id: string, headers: Record<string, string> = {}): Promise<Answer> {
  const [method, path] = route.split(" ") as [string, string];
  const url = `${api.url}${path
    .replace(":id", id)
    .replace(":host", REGISTRY_HOST)
    .replace(/:\w+/g, () => randomUUID())}`;
  const body =
    method === "POST"
      ? path.endsWith("/tokens")
        ? { name: "authz-test", scopes: ["read"] }
        : {}
      : method === "PUT"
        ? { username: "authz", password: "authz-password-0123", repositories: ["acme/*"] }
        : undefined;
  const res = await fetch(url, {
    signal: AbortSignal.timeout(5000),
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // A log stream that was allowed stays open: its status is all we need.
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, body: null };
  }
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}
const idFor = (route: string, buildId: string) => (route.includes("/tokens/") ? throwawayTokenId : buildId);
const buildRoutesWithId = () => apiRoutes.filter((r) => r.includes("/builds/:id"));

beforeAll(async () => {
  api = await startTestApi({ secretKey: randomBytes(32).toString("hex") });
  apiRoutes = listRoutes(api.app).filter((r) => r.split(" ")[1]!.startsWith("/api/v1/") && !PUBLIC.has(r));
  builds.acme = await pushBuild(api, "Acme/App", 5001);
  builds.acmeTools = await pushBuild(api, "Acme/Tools", 5002);
  builds.scratch = await pushBuild(api, "Acme/App", 5001);
  builds.otherFailed = await pushBuild(api, "Other/Thing", 5003);
  builds.otherQueued = await pushBuild(api, "Other/Thing", 5003);
  // Failed: a retry that got through would queue it again, visibly.
  await api.db.build.update({
    where: { id: builds.otherFailed },
    data: { status: "failed", errorClass: "infrastructure", errorMessage: "x" },
  });
  const make = async (name: string, scopes: TTokenScope[], repositories?: string[]) =>
    (await createApiToken(api.db, { name, scopes, ...(repositories ? { repositories } : {}) })).token;
  tokens.none = await make("no scopes", []);
  tokens.read = await make("read", ["read"]);
  tokens.write = await make("write", ["write"]);
  tokens.admin = await make("admin", ["admin"]);
  tokens.acmeAdmin = await make("acme admin", ["admin"], ["acme/*"]);
  tokens.acmeAppRead = await make("acme/app reader", ["read"], ["ACME/APP"]);
  throwawayTokenId = (await createApiToken(api.db, { name: "throwaway", scopes: ["read"] })).id;
  await new SecretStore(api.db, new SecretBox(api.secretKey!)).put({
    kind: "registry",
    name: REGISTRY_HOST,
    username: "authz",
    value: "authz-password-0000",
    repositories: ["acme/*"],
  });
});
afterAll(async () => {
  await api?.close();
});

describe("every /api/v1 route", () => {
  it("the scope table is complete: every route the server has is in it, and nothing else", () => {
    expect(apiRoutes.length).toBeGreaterThan(10);
    expect([...apiRoutes].sort()).toEqual(Object.keys(SCOPE_OF).sort());
  });

  it("401 without a token, with an unknown token and with a malformed header, before any work", async () => {
    const before = await api.db.apiToken.count();
    for (const route of apiRoutes) {
      for (const headers of [
        {},
        { authorization: "Bearer slw_not-a-real-token-0000000000000000000" },
        { authorization: "Basic Zm9vOmJhcg==" },
      ] as Record<string, string>[]) {
        const res = await call(route, null, idFor(route, builds.otherFailed), headers);
        expect(res.status, `${route} ${JSON.stringify(headers)}`).toBe(401);
        if (!route.startsWith("HEAD")) expect(res.body.error.code, route).toBe("unauthorized");
      }
    }
    expect(await api.db.apiToken.count()).toBe(before);
    expect(await api.db.secret.findMany({ select: { name: true, username: true } })).toEqual([{ name: REGISTRY_HOST, username: "authz" }]);
    expect((await api.db.build.findUniqueOrThrow({ where: { id: builds.otherFailed } })).status).toBe("failed");
  });

  it("403 naming the scope for a token one scope too low, with no side effect", async () => {
    const tokensBefore = await api.db.apiToken.count();
    for (const route of apiRoutes) {
      const needed = SCOPE_OF[route]!;
      const res = await call(route, tokens[BELOW[needed]]!, idFor(route, builds.otherFailed));
      expect(res.status, route).toBe(403);
      if (!route.startsWith("HEAD"))
        expect(res.body, route).toEqual({
          error: { code: "forbidden", message: `this API token lacks the "${needed}" scope this request needs` },
        });
    }
    expect(await api.db.apiToken.count()).toBe(tokensBefore);
    expect(await api.db.secret.findMany({ select: { name: true, username: true } })).toEqual([{ name: REGISTRY_HOST, username: "authz" }]);
    const failed = await api.db.build.findUniqueOrThrow({ where: { id: builds.otherFailed } });
    expect([failed.status, failed.attempt]).toEqual(["failed", 1]);
    expect((await api.db.apiToken.findUniqueOrThrow({ where: { id: throwawayTokenId } })).revokedAt).toBeNull();
  });

  it("the scope itself (and every scope above it) gets through", async () => {
    for (const route of apiRoutes) {
      const scopes = ["read", "write", "admin"] as const;
      for (const scope of scopes.slice(scopes.indexOf(SCOPE_OF[route] as TTokenScope))) {
        const res = await call(route, tokens[scope]!, idFor(route, builds.scratch));
        expect([401, 403, 404], `${route} as ${scope}: ${JSON.stringify(res.body)}`).not.toContain(res.status);
      }
    }
  });

  it("the bootstrap token is admin on everything", async () => {
    const { API_TOKEN } = await import("./harness");
    const list = await call("GET /api/v1/builds?limit=100", API_TOKEN, "");
    expect(list.body.builds.map((b: any) => b.id)).toEqual(expect.arrayContaining(Object.values(builds)));
    expect((await call("GET /api/v1/tokens", API_TOKEN, "")).status).toBe(200);
  });
});

describe("a token limited to acme/*", () => {
  it("gets 404 for every route of a build in another repository, exactly as for a build that does not exist", async () => {
    const routes = buildRoutesWithId();
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const route of routes) {
      for (const id of [builds.otherFailed, builds.otherQueued]) {
        const res = await call(route, tokens.acmeAdmin!, id);
        expect(res.status, route).toBe(404);
        const missingId = randomUUID();
        const missing = await call(route, tokens.acmeAdmin!, missingId);
        expect(missing.status, route).toBe(404);
        if (!route.startsWith("HEAD")) {
          expect(res.body, route).toEqual({ error: { code: "not_found", message: `no build with id ${id}` } });
          expect(JSON.stringify(res.body).replace(id, "ID")).toBe(JSON.stringify(missing.body).replace(missingId, "ID"));
        }
      }
      // The same token reaches its own repository (so the 404 above is the limit, not the route).
      expect((await call(route, tokens.acmeAdmin!, builds.acme)).status, route).not.toBe(404);
    }
    const failed = await api.db.build.findUniqueOrThrow({ where: { id: builds.otherFailed } });
    expect([failed.status, failed.attempt]).toEqual(["failed", 1]);
    expect((await api.db.build.findUniqueOrThrow({ where: { id: builds.otherQueued } })).status).toBe("queued");
  });

  it("lists only builds of its repositories, whatever the filters and cursor", async () => {
    const mine = (await call("GET /api/v1/builds?limit=100", tokens.acmeAdmin!, "")).body.builds;
    expect(mine.map((b: any) => b.id).sort()).toEqual([builds.acme, builds.acmeTools, builds.scratch].sort());
    const asked = await call("GET /api/v1/builds?repo=Other/Thing", tokens.acmeAdmin!, "");
    expect(asked).toEqual({ status: 200, body: { builds: [], nextCursor: null } });
    // A cursor from another repository answers like an id that does not exist.
    const foreign = await call(`GET /api/v1/builds?cursor=${builds.otherQueued}`, tokens.acmeAdmin!, "");
    const unknown = await call(`GET /api/v1/builds?cursor=${randomUUID()}`, tokens.acmeAdmin!, "");
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual(unknown.body);
    // An unlimited token does see the other repository.
    const all = (await call("GET /api/v1/builds?limit=100", tokens.read!, "")).body.builds;
    expect(all.map((b: any) => b.id)).toEqual(expect.arrayContaining([builds.otherFailed, builds.otherQueued]));
  });

  it("an owner/repo limit (stored lowercase) reaches that repository only, case-insensitively", async () => {
    const seen = (await call("GET /api/v1/builds?limit=100", tokens.acmeAppRead!, "")).body.builds;
    expect(seen.map((b: any) => b.id).sort()).toEqual([builds.acme, builds.scratch].sort());
    expect((await call("GET /api/v1/builds/:id", tokens.acmeAppRead!, builds.acmeTools)).status).toBe(404);
    expect((await call("GET /api/v1/builds/:id", tokens.acmeAppRead!, builds.acme)).status).toBe(200);
  });
});

describe("the SQL filter and matchRepository agree", () => {
  it("on names that differ by case, prefix, hyphen, dot and underscore", async () => {
    const names = ["Acme/App", "acme/app2", "Acme-X/App", "Acm/App", "Other/Acme", "acme/a_b", "acme/axb", "ACME/A.B", "acme/aXb"];
    const ids = new Map<string, string>();
    for (const [i, n] of names.entries()) ids.set(await pushBuild(api, n, 7000 + i), n);
    const reaches = [["acme/*"], ["acme/app"], ["acme/a_b"], ["acme/a.b"], ["acm/*"], ["acme-x/*", "other/acme"], ["other/*", "acme/app2"]];
    for (const reach of reaches) {
      const { token } = await createApiToken(api.db, { name: `reach ${reach}`, scopes: ["read"], repositories: reach });
      const listed = (await call("GET /api/v1/builds?limit=100", token, "")).body.builds
        .map((b: any) => b.id)
        .filter((id: string) => ids.has(id));
      const expected = [...ids].filter(([, n]) => matchRepository(reach, n)).map(([id]) => id);
      expect(listed.sort(), JSON.stringify(reach)).toEqual(expected.sort());
      for (const [id, n] of ids) {
        expect((await call("GET /api/v1/builds/:id", token, id)).status, `${reach} -> ${n}`).toBe(matchRepository(reach, n) ? 200 : 404);
      }
    }
    // The ?repo= filter is an exact (case-insensitive) name too: "_" is no wildcard.
    const named = (await call("GET /api/v1/builds?repo=ACME/a_b&limit=100", tokens.read!, "")).body.builds;
    expect(named.map((b: any) => b.repository)).toEqual(["acme/a_b"]);
  });
});
