// POST/GET/DELETE /api/v1/tokens over HTTP on a real database: the secret is shown once and
// never again (answers, rows, logs); revoked and expired tokens fail on the next request; an
// admin limited to some repositories or to a lifetime cannot mint beyond it.
import { createHash } from "node:crypto";
import { createApiToken } from "@slipway/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, eventually, startTestApi, type TestApi } from "./harness";
import { apiRequest } from "./api-request";

let api: TestApi;
/** every secret this file saw: none may appear in the api's logs */
const secrets: string[] = [API_TOKEN];

async function req(method: string, path: string, token: string | null, body?: unknown) {
  return apiRequest(api.url, method, path, token, body);
}
async function create(body: unknown, as = API_TOKEN) {
  const res = await req("POST", "/tokens", as, body);
  if (res.body?.token) secrets.push(res.body.token);
  return res;
}

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("POST /api/v1/tokens", () => {
  it("answers 201 with the secret once; the row keeps only its SHA-256", async () => {
    const res = await create({
      name: "deploy bot",
      scopes: ["read", "write", "read"],
      repositories: ["Acme/*", "other/App"],
      expiresAt: "2099-01-31T00:00:00+01:00",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { token, ...rest } = res.body;
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{40}$/);
    expect(rest).toEqual({
      id: expect.any(String),
      name: "deploy bot",
      prefix: token.slice(0, 8),
      scopes: ["read", "write"],
      repositories: ["acme/*", "other/app"],
      createdAt: expect.any(String),
      lastUsedAt: null,
      expiresAt: "2099-01-30T23:00:00.000Z",
      revokedAt: null,
    });
    const row = await api.db.apiToken.findUniqueOrThrow({ where: { id: rest.id } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    // It works, within its scopes.
    expect((await req("GET", "/builds", token)).status).toBe(200);
    expect((await req("GET", "/tokens", token)).status).toBe(403);
  });

  it.each([
    [undefined, "(body)"],
    [{}, "name"],
    [{ name: "  ", scopes: ["read"] }, "name: must not be empty"],
    [{ name: "x\u0007", scopes: ["read"] }, "name: must not contain control characters"],
    [{ name: "x" }, "scopes: is required"],
    [{ name: "x", scopes: [] }, "scopes: needs at least one"],
    [{ name: "x", scopes: ["root"] }, "scopes.0: Invalid option"],
    [{ name: "x", scopes: ["read"], repositories: [] }, "repositories: omit it for every repository"],
    [{ name: "x", scopes: ["read"], repositories: ["acme/*", "acme"] }, 'repositories.1: must be "owner/*" or "owner/repo"'],
    [{ name: "x", scopes: ["read"], repositories: ["*/*"] }, "repositories.0"],
    [{ name: "x", scopes: ["read"], expiresAt: "tomorrow" }, "expiresAt: must be an ISO 8601 date-time"],
    [{ name: "x", scopes: ["read"], expiresAt: "2001-01-01T00:00:00Z" }, "expiresAt: must be in the future"],
    [{ name: "x", scopes: ["read"], scope: ["admin"] }, 'Unrecognized key: "scope"'],
    ["{not json", "body is not valid JSON"],
  ])("400 naming the field for %j, and stores nothing", async (body, message) => {
    const before = await api.db.apiToken.count();
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toContain(message);
    expect(await api.db.apiToken.count()).toBe(before);
  });
});

describe("GET /api/v1/tokens", () => {
  it("lists every token with its fields and without any secret or hash", async () => {
    const made = (await create({ name: "lister", scopes: ["admin"] })).body;
    const res = await req("GET", "/tokens", made.token);
    expect(res.status).toBe(200);
    const listed = res.body.tokens.find((t: any) => t.id === made.id);
    const { token: _secret, ...shown } = made;
    // lastUsedAt is stamped in the background by this very request: not compared.
    expect({ ...listed, lastUsedAt: null }).toEqual({ ...shown, lastUsedAt: null });
    for (const t of res.body.tokens)
      expect(Object.keys(t).sort()).toEqual([
        "createdAt",
        "expiresAt",
        "id",
        "lastUsedAt",
        "name",
        "prefix",
        "repositories",
        "revokedAt",
        "scopes",
      ]);
    for (const s of secrets) {
      expect(res.text).not.toContain(s);
      expect(res.text).not.toContain(createHash("sha256").update(s).digest("hex"));
    }
  });
});

describe("revoked and expired tokens", () => {
  it("DELETE revokes at once: the very next request with the token is 401", async () => {
    const victim = (await create({ name: "victim", scopes: ["read"] })).body;
    expect((await req("GET", "/builds", victim.token)).status).toBe(200);
    const del = await req("DELETE", `/tokens/${victim.id}`, API_TOKEN);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: victim.id, revokedAt: expect.any(String) });
    expect(del.text).not.toContain(victim.token);
    const after = await req("GET", "/builds", victim.token);
    expect(after).toMatchObject({
      status: 401,
      body: { error: { code: "unauthorized", message: "invalid, expired or revoked API token" } },
    });
    // Revoking again keeps the first time; the list shows it revoked.
    expect((await req("DELETE", `/tokens/${victim.id}`, API_TOKEN)).body.revokedAt).toBe(del.body.revokedAt);
    const listed = (await req("GET", "/tokens", API_TOKEN)).body.tokens.find((t: any) => t.id === victim.id);
    expect(listed.revokedAt).toBe(del.body.revokedAt);
  });

  it("a token can revoke itself, and cannot act after that", async () => {
    const self = (await create({ name: "self", scopes: ["admin"] })).body;
    expect((await req("DELETE", `/tokens/${self.id}`, self.token)).status).toBe(200);
    expect((await req("GET", "/tokens", self.token)).status).toBe(401);
  });

  it("404 for an unknown id, a non-UUID and the bootstrap token (configuration, not a row)", async () => {
    for (const id of ["00000000-0000-7000-8000-000000000000", "bootstrap", "nope"]) {
      const res = await req("DELETE", `/tokens/${id}`, API_TOKEN);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await req("GET", "/builds", API_TOKEN)).status).toBe(200);
  });

  it("an expired token is 401 from the moment it expires", async () => {
    const soon = (await create({ name: "short-lived", scopes: ["read"], expiresAt: new Date(Date.now() + 1500).toISOString() })).body;
    expect((await req("GET", "/builds", soon.token)).status).toBe(200);
    await eventually(async () => (await req("GET", "/builds", soon.token)).status === 401, 10_000, "expiry");
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(soon.expiresAt).getTime());
    // An expiry set in the past by hand (clock, restore) counts the same.
    const { id, token } = await createApiToken(api.db, { name: "backdated", scopes: ["admin"] });
    await api.db.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await req("GET", "/builds", token)).status).toBe(401);
  });

  it("lastUsedAt records use", async () => {
    const t = (await create({ name: "used", scopes: ["read"] })).body;
    await req("GET", "/builds", t.token);
    await eventually(
      async () => (await api.db.apiToken.findUniqueOrThrow({ where: { id: t.id } })).lastUsedAt !== null,
      5_000,
      "lastUsedAt",
    );
  });
});

describe("an admin limited to acme/* cannot reach beyond it", () => {
  let acmeAdmin: { id: string; token: string };
  let unlimited: { id: string; token: string };
  beforeAll(async () => {
    acmeAdmin = (await create({ name: "acme admin", scopes: ["admin"], repositories: ["acme/*"] })).body;
    unlimited = (await create({ name: "farm-wide reader", scopes: ["read"] })).body;
  });

  it.each([
    [{ name: "x", scopes: ["admin"] }, '"repositories" must be given'],
    [{ name: "x", scopes: ["read"], repositories: ["other/*"] }, "lie within"],
    [{ name: "x", scopes: ["read"], repositories: ["acme/app", "other/app"] }, "lie within"],
  ])("403 for %j, and stores nothing", async (body, message) => {
    const before = await api.db.apiToken.count();
    const res = await create(body, acmeAdmin.token);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "forbidden", message: expect.stringContaining(message) });
    expect(await api.db.apiToken.count()).toBe(before);
  });

  it("creates tokens within acme/*", async () => {
    for (const repositories of [["acme/*"], ["ACME/app", "acme/tools"]]) {
      const res = await create({ name: "acme child", scopes: ["admin"], repositories }, acmeAdmin.token);
      expect(res.status).toBe(201);
      expect(res.body.repositories).toEqual(repositories.map((r) => r.toLowerCase()));
    }
  });

  it("lists and revokes only tokens within acme/*: others answer 404 and keep working", async () => {
    const listed = (await req("GET", "/tokens", acmeAdmin.token)).body.tokens;
    expect(listed.length).toBeGreaterThan(0);
    for (const t of listed) for (const p of t.repositories) expect(p.startsWith("acme/")).toBe(true);
    expect(listed.map((t: any) => t.id)).not.toContain(unlimited.id);
    const del = await req("DELETE", `/tokens/${unlimited.id}`, acmeAdmin.token);
    expect(del.status).toBe(404);
    expect(del.body).toEqual({ error: { code: "not_found", message: `no API token with id ${unlimited.id}` } });
    expect((await req("GET", "/builds", unlimited.token)).status).toBe(200);
  });

  it("an expiring admin cannot create a token that outlives it", async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const mortal = (await create({ name: "mortal", scopes: ["admin"], expiresAt })).body;
    for (const body of [
      { name: "x", scopes: ["read"] },
      { name: "x", scopes: ["read"], expiresAt: new Date(Date.now() + 7_200_000).toISOString() },
    ]) {
      const res = await create(body, mortal.token);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('"expiresAt" must be given and be no later');
    }
    expect(
      (await create({ name: "x", scopes: ["read"], expiresAt: new Date(Date.now() + 600_000).toISOString() }, mortal.token)).status,
    ).toBe(201);
  });
});

describe("logs", () => {
  it("never contain a token secret (nor its hash), though every request above was logged", () => {
    const logs = api.logs();
    expect(logs).toContain("/api/v1/tokens");
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(logs).not.toContain(s);
      expect(logs).not.toContain(createHash("sha256").update(s).digest("hex"));
    }
  });
});
