// The dashboard's sign-in: POST /api/v1/session turns an API token into an http-only session
// cookie that authenticates /api/v1 like a bearer header, with a CSRF header rule for requests
// that change state; forged, altered and revoked sessions get 401; DELETE signs out.
import { randomBytes } from "node:crypto";
import { createApiToken, SessionSealer } from "@slipway/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";
import { pushBuild } from "./push-build";

let api: TestApi;
const tokens: Record<"read" | "write" | "none", { id: string; token: string }> = {} as never;
let buildId = "";

const CSRF = { "x-slipway-csrf": "1" };
const json = { "content-type": "application/json" };

async function signIn(token: string, headers: Record<string, string> = CSRF) {
  return fetch(`${api.url}/api/v1/session`, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify({ token }) });
}
/** "slipway_session=<value>" from an answer's Set-Cookie, for the Cookie header of the next request. */
function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith("slipway_session="));
  if (!set) throw new Error(`no session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return set.split(";")[0]!;
}
const withCookie = (cookie: string, path: string, init: RequestInit = {}) =>
  fetch(`${api.url}${path}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });

beforeAll(async () => {
  api = await startTestApi();
  tokens.read = await createApiToken(api.db, { name: "dashboard reader", scopes: ["read"] });
  tokens.write = await createApiToken(api.db, { name: "dashboard writer", scopes: ["write"], repositories: ["acme/*"] });
  tokens.none = await createApiToken(api.db, { name: "no scopes", scopes: [] });
  buildId = await pushBuild(api, "Acme/App", 8101);
  await api.db.build.update({ where: { id: buildId }, data: { status: "failed", errorClass: "user", errorMessage: "x" } });
});
afterAll(async () => {
  await api?.close();
});

describe("sign in", () => {
  it("answers 201 with who signed in and an http-only, SameSite=Strict cookie that does not show the token", async () => {
    const res = await signIn(tokens.write.token);
    expect(res.status).toBe(201);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ name: "dashboard writer", scopes: ["write"], repositories: ["acme/*"] });
    expect(new Date(body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    expect(JSON.stringify(body)).not.toContain(tokens.write.token);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const [set] = res.headers.getSetCookie();
    expect(set).toMatch(/^slipway_session=[^;]+; /);
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Strict");
    expect(set).toContain("Path=/");
    expect(set).not.toContain("Secure"); // plain http here; https (or a TLS proxy) gets Secure
    expect(set).not.toContain(tokens.write.token);
    expect(decodeURIComponent(set!)).not.toContain(tokens.write.token.slice(4));
  });

  it("marks the cookie Secure when the request came over https (through a trusted proxy)", async () => {
    const proxied = await startTestApi({ trustProxy: ["127.0.0.1"], database: api.database });
    try {
      const res = await fetch(`${proxied.url}/api/v1/session`, {
        method: "POST",
        headers: { ...json, ...CSRF, "x-forwarded-proto": "https" },
        body: JSON.stringify({ token: tokens.read.token }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.getSetCookie()[0]).toContain("Secure");
    } finally {
      await proxied.close();
    }
  });

  it("the cookie authenticates /api/v1 like a bearer header, within the token's reach", async () => {
    const cookie = cookieOf(await signIn(tokens.write.token));
    const list = await withCookie(cookie, "/api/v1/builds?limit=100");
    expect(list.status).toBe(200);
    expect(((await list.json()) as any).builds.map((b: any) => b.id)).toEqual([buildId]);
    const me = await withCookie(cookie, "/api/v1/session");
    expect(me.status).toBe(200);
    expect((await me.json()) as any).toMatchObject({ name: "dashboard writer", scopes: ["write"] });
    expect((await withCookie(cookie, "/api/v1/tokens")).status).toBe(403); // write, not admin
    const other = await pushBuild(api, "Other/Thing", 8102);
    expect((await withCookie(cookie, `/api/v1/builds/${other}`)).status).toBe(404);
    // The live log stream (EventSource cannot send headers) works with the cookie too.
    const stream = await withCookie(cookie, `/api/v1/builds/${buildId}/logs/stream`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    await stream.body?.cancel();
  });

  it("bad bodies are 400 naming the field; wrong tokens 401; a token that cannot read 403; no cookie in any of them", async () => {
    const cases: [string, Record<string, string>, number, RegExp][] = [
      [JSON.stringify({}), json, 400, /token: is required/],
      [JSON.stringify({ token: "" }), json, 400, /token: must not be empty/],
      [JSON.stringify({ token: 42 }), json, 400, /token/],
      [JSON.stringify({ token: "x".repeat(201) }), json, 400, /at most 200/],
      [JSON.stringify({ token: tokens.read.token, remember: true }), json, 400, /remember/],
      ["{not json", json, 400, /not valid JSON/],
      ["token=abc", { "content-type": "application/x-www-form-urlencoded" }, 415, /Content-Type/],
      [JSON.stringify({ token: "slw_not-a-real-token-000000000000000000000" }), json, 401, /invalid, expired or revoked/],
      [JSON.stringify({ token: tokens.none.token }), json, 403, /"read" scope/],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await fetch(`${api.url}/api/v1/session`, { method: "POST", headers: { ...headers, ...CSRF }, body });
      expect(res.status, String(body)).toBe(status);
      expect(((await res.json()) as any).error.message, String(body)).toMatch(message);
      expect(res.headers.getSetCookie(), String(body)).toEqual([]);
    }
  });
});

describe("cross-site request forgery", () => {
  it("signing in needs the CSRF header", async () => {
    const res = await signIn(tokens.read.token, {});
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toBe("this request needs the header x-slipway-csrf: 1");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("a cookie-authenticated POST without the header is refused and changes nothing; with it, it goes through", async () => {
    const cookie = cookieOf(await signIn(tokens.write.token));
    const forged = await withCookie(cookie, `/api/v1/builds/${buildId}/retry`, { method: "POST" });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as any).error.message).toContain("needs the header x-slipway-csrf: 1");
    const wrongValue = await withCookie(cookie, `/api/v1/builds/${buildId}/retry`, {
      method: "POST",
      headers: { "x-slipway-csrf": "yes" },
    });
    expect(wrongValue.status).toBe(403);
    expect(await api.db.build.findUniqueOrThrow({ where: { id: buildId } })).toMatchObject({ status: "failed", attempt: 1 });

    const ok = await withCookie(cookie, `/api/v1/builds/${buildId}/retry`, { method: "POST", headers: CSRF });
    expect(ok.status).toBe(202);
    expect(await api.db.build.findUniqueOrThrow({ where: { id: buildId } })).toMatchObject({ status: "queued", attempt: 2 });
  });

  it("a read-only session cannot retry even with the header (403 naming the scope)", async () => {
    const cookie = cookieOf(await signIn(tokens.read.token));
    const res = await withCookie(cookie, `/api/v1/builds/${buildId}/cancel`, { method: "POST", headers: CSRF });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toContain('"write" scope');
  });

  it("bearer requests need no CSRF header, and a bearer header wins over a cookie", async () => {
    const readCookie = cookieOf(await signIn(tokens.read.token));
    const res = await fetch(`${api.url}/api/v1/builds/${buildId}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_TOKEN}`, cookie: readCookie },
    });
    expect(res.status).toBe(202);
    expect((await api.db.build.findUniqueOrThrow({ where: { id: buildId } })).status).toBe("cancelled");
  });
});

describe("sessions that must not work", () => {
  it("a forged, altered or foreign-key cookie gets 401", async () => {
    const cookie = cookieOf(await signIn(tokens.read.token));
    const value = cookie.slice("slipway_session=".length);
    // Flip one character of the ciphertext part (the last one).
    const parts = value.split(".");
    const last = parts.at(-1)!;
    parts[parts.length - 1] = (last[0] === "A" ? "B" : "A") + last.slice(1);
    const foreign = new SessionSealer(randomBytes(32).toString("hex")).seal(tokens.read.token, null).value;
    for (const bad of [
      "forged",
      value.slice(0, -2),
      parts.join("."),
      foreign,
      tokens.read.token,
      encodeURIComponent(JSON.stringify({ t: tokens.read.token })),
    ]) {
      const res = await withCookie(`slipway_session=${bad}`, "/api/v1/builds");
      expect(res.status, bad).toBe(401);
      expect(((await res.json()) as any).error.message, bad).toBe("the session cookie is not valid; sign in again");
    }
    expect((await withCookie(cookie, "/api/v1/builds")).status).toBe(200);
  });

  it("a revoked token's session stops working at the next request", async () => {
    const t = await createApiToken(api.db, { name: "to revoke", scopes: ["read"] });
    const cookie = cookieOf(await signIn(t.token));
    expect((await withCookie(cookie, "/api/v1/builds")).status).toBe(200);
    const revoke = await fetch(`${api.url}/api/v1/tokens/${t.id}`, { method: "DELETE", headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(revoke.status).toBe(200);
    const after = await withCookie(cookie, "/api/v1/builds");
    expect(after.status).toBe(401);
    expect(((await after.json()) as any).error.message).toBe("invalid, expired or revoked API token");
    expect((await withCookie(cookie, "/api/v1/session")).status).toBe(401);
  });

  it("a session ends at its lifetime", async () => {
    const shortLived = await startTestApi({ sessionTtlMs: 1_000, database: api.database });
    try {
      const res = await fetch(`${shortLived.url}/api/v1/session`, {
        method: "POST",
        headers: { ...json, ...CSRF },
        body: JSON.stringify({ token: tokens.read.token }),
      });
      const cookie = cookieOf(res);
      expect((await fetch(`${shortLived.url}/api/v1/builds`, { headers: { cookie } })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_100));
      const late = await fetch(`${shortLived.url}/api/v1/builds`, { headers: { cookie } });
      expect(late.status).toBe(401);
      expect(((await late.json()) as any).error.message).toBe("the session has expired; sign in again");
    } finally {
      await shortLived.close();
    }
  });
});

describe("sign out", () => {
  it("DELETE clears the cookie (with the CSRF header only)", async () => {
    const cookie = cookieOf(await signIn(tokens.read.token));
    const refused = await withCookie(cookie, "/api/v1/session", { method: "DELETE" });
    expect(refused.status).toBe(403);
    expect(refused.headers.getSetCookie()).toEqual([]);
    const res = await withCookie(cookie, "/api/v1/session", { method: "DELETE", headers: CSRF });
    expect(res.status).toBe(204);
    const [cleared] = res.headers.getSetCookie();
    expect(cleared).toMatch(/^slipway_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    // Without a cookie the api answers 401, as after any sign-out.
    expect((await fetch(`${api.url}/api/v1/session`)).status).toBe(401);
  });
});
