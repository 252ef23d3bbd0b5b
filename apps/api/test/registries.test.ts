// PUT/GET/DELETE /api/v1/registries over HTTP on a real database: a publish target's password
// goes in once and never comes out (answers, rows, logs); bad bodies are 422 naming the field;
// an admin limited to some repositories cannot grant, see, replace or delete beyond its reach.
import { createApiToken } from "@slipway/auth";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";
import { apiRequest } from "./api-request";

let api: TestApi;
/** every real password this file sent (not the one-letter ones of bad bodies): none may appear in an answer, a row or a log line */
const passwords: string[] = [];

async function req(method: string, path: string, token: string | null, body?: unknown) {
  if (body && typeof body === "object" && "password" in body && typeof body.password === "string" && body.password.length >= 8)
    passwords.push(body.password);
  return apiRequest(api.url, method, path, token, body);
}
const put = (host: string, body: unknown, token = API_TOKEN) => req("PUT", `/registries/${host}`, token, body);
const pw = (tag: string) => `pw-${tag}-${Math.random().toString(36).slice(2)}-Zq9`;
const store = () => new SecretStore(api.db, new SecretBox(api.secretKey!));

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});

describe("PUT /api/v1/registries/:host", () => {
  it("stores the credential sealed and answers what may be shown, never the password", async () => {
    const password = pw("ghcr");
    const res = await put("ghcr.io", { username: "octocat", password, repositories: ["Acme/*", "other/App", "acme/*"] });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body).toEqual({
      host: "ghcr.io",
      username: "octocat",
      repositories: ["acme/*", "other/app"],
      updatedAt: expect.any(String),
    });
    expect(res.text).not.toContain(password);
    // The row holds it sealed; the store opens it (what the publisher does).
    const rows = await api.db.$queryRawUnsafe<Record<string, unknown>[]>("SELECT * FROM secrets");
    expect(JSON.stringify(rows)).not.toContain(password);
    expect(await store().read("registry", "ghcr.io")).toBe(password);

    const listed = await req("GET", "/registries", API_TOKEN);
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    expect(listed.body.registries).toContainEqual(res.body);
    expect(listed.text).not.toContain(password);
    for (const r of listed.body.registries) expect(Object.keys(r).sort()).toEqual(["host", "repositories", "updatedAt", "username"]);

    // Replacing it keeps one row per host.
    const again = await put("ghcr.io", { username: "octocat", password: pw("ghcr2"), repositories: ["acme/*"] });
    expect(again.body.repositories).toEqual(["acme/*"]);
    expect(await api.db.secret.count({ where: { kind: "registry", name: "ghcr.io" } })).toBe(1);
  });

  it("stores Docker Hub's names under docker.io, where a target docker.io/x/y or x/y finds it", async () => {
    for (const host of ["index.docker.io", "registry-1.docker.io", "Docker.IO"]) {
      const res = await put(host, { username: "acmebot", password: pw(host), repositories: ["acme/*"] });
      expect(res.status, host).toBe(200);
      expect(res.body.host).toBe("docker.io");
    }
    expect(await api.db.secret.count({ where: { kind: "registry", name: { contains: "docker" } } })).toBe(1);
    expect((await req("DELETE", "/registries/index.docker.io", API_TOKEN)).body.host).toBe("docker.io");
    expect(await api.db.secret.count({ where: { kind: "registry", name: "docker.io" } })).toBe(0);
  });

  it("takes a host with a port", async () => {
    const res = await put("registry.example.com:5000", { username: "ci", password: pw("port"), repositories: ["acme/app"] });
    expect(res.status).toBe(200);
    expect(res.body.host).toBe("registry.example.com:5000");
  });

  it.each([
    [undefined, "(body)"],
    [{}, "username: is required"],
    [{ username: "u", password: "p" }, "repositories: is required"],
    [{ username: "u", password: "p", repositories: [] }, "repositories: needs at least one owner/* or owner/repo pattern"],
    [{ username: "u", password: "p", repositories: ["*/*"] }, 'repositories.0: must be "owner/*" or "owner/repo"'],
    [{ username: "u", password: "p", repositories: ["acme"] }, 'repositories.0: must be "owner/*" or "owner/repo"'],
    [{ username: "u", repositories: ["acme/*"] }, "password: is required"],
    [{ username: "u", password: "", repositories: ["acme/*"] }, "password: must not be empty"],
    [{ username: "u", password: "line\n", repositories: ["acme/*"] }, "password: must not contain control characters"],
    [{ username: "a:b", password: "p", repositories: ["acme/*"] }, 'username: must not contain ":"'],
    [{ username: "u", password: "p", repositories: ["acme/*"], repos: ["x/y"] }, 'Unrecognized key: "repos"'],
  ])("422 naming the field for %j, and stores nothing", async (body, message) => {
    const before = await api.db.secret.count();
    const res = await put("quay.io", body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unprocessable");
    expect(res.body.error.message).toContain(message);
    expect(await api.db.secret.count()).toBe(before);
  });

  it.each([["gh_cr.io"], ["ghcr.io:port"], ["-x.io"]])("422 for the host %j", async (host) => {
    const res = await put(host, { username: "u", password: pw("badhost"), repositories: ["acme/*"] });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(`host: "${host}" is not a registry host[:port]`);
  });

  it("400 for a body that is not JSON", async () => {
    const res = await put("quay.io", "{not json");
    expect(res.status).toBe(400);
  });
});

describe("scopes", () => {
  it("401 without a token; 403 for read and write tokens, for every registries route", async () => {
    const read = (await createApiToken(api.db, { name: "r", scopes: ["read"] })).token;
    const write = (await createApiToken(api.db, { name: "w", scopes: ["write"] })).token;
    const body = { username: "u", password: pw("scope"), repositories: ["acme/*"] };
    const before = await api.db.secret.count();
    for (const [method, path] of [
      ["PUT", "/registries/scoped.example"],
      ["GET", "/registries"],
      ["DELETE", "/registries/ghcr.io"],
    ] as const) {
      expect((await req(method, path, null, method === "PUT" ? body : undefined)).status, `${method} anonymous`).toBe(401);
      for (const t of [read, write]) {
        const res = await req(method, path, t, method === "PUT" ? body : undefined);
        expect(res.status, method).toBe(403);
        expect(res.body.error.message).toBe('this API token lacks the "admin" scope this request needs');
      }
    }
    expect(await api.db.secret.count()).toBe(before);
    expect(await store().find("registry", "ghcr.io")).toBeDefined();
  });
});

describe("an admin limited to acme/*", () => {
  let acme: string;
  beforeAll(async () => {
    acme = (await createApiToken(api.db, { name: "acme admin", scopes: ["admin"], repositories: ["acme/*"] })).token;
    await put("farm-wide.example", { username: "farm", password: pw("farm"), repositories: ["acme/*", "other/*"] });
    await put("other.example", { username: "other", password: pw("other"), repositories: ["other/app"] });
  });

  it.each([[["other/*"]], [["acme/app", "other/app"]], [["acme-corp/*"]]])(
    "cannot grant a credential to %j (403), and stores nothing",
    async (repositories) => {
      const before = await api.db.secret.count();
      const res = await put("acme-only.example", { username: "u", password: pw("grant"), repositories }, acme);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toBe('this API token is limited to acme/*: "repositories" must lie within that');
      expect(await api.db.secret.count()).toBe(before);
    },
  );

  it("cannot replace a credential that reaches beyond acme/*: it keeps working for them", async () => {
    const res = await put("farm-wide.example", { username: "mine", password: pw("hijack"), repositories: ["acme/*"] }, acme);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe(
      "a credential for farm-wide.example is stored for repositories beyond this API token's reach; only a token that reaches all of them can replace it",
    );
    expect(await store().open("registry", "farm-wide.example")).toMatchObject({ username: "farm", repositories: ["acme/*", "other/*"] });
  });

  it("creates, lists and deletes credentials within acme/*", async () => {
    const made = await put("acme.example", { username: "acmebot", password: pw("acme"), repositories: ["acme/app", "ACME/tools"] }, acme);
    expect(made.status).toBe(200);
    expect(made.body.repositories).toEqual(["acme/app", "acme/tools"]);
    const listed = (await req("GET", "/registries", acme)).body.registries.map((r: any) => r.host);
    expect(listed).toContain("acme.example");
    const del = await req("DELETE", "/registries/acme.example", acme);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ host: "acme.example", username: "acmebot" });
    expect(await store().find("registry", "acme.example")).toBeUndefined();
  });

  it("does not see or delete credentials beyond acme/*: 404 as for a host without one", async () => {
    const listed = (await req("GET", "/registries", acme)).body.registries;
    for (const r of listed) for (const p of r.repositories) expect(p.startsWith("acme/")).toBe(true);
    expect(listed.map((r: any) => r.host)).not.toContain("farm-wide.example");
    expect(listed.map((r: any) => r.host)).not.toContain("other.example");
    for (const host of ["other.example", "farm-wide.example"]) {
      const res = await req("DELETE", `/registries/${host}`, acme);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: { code: "not_found", message: `no registry credential for ${host}` } });
      expect(await store().find("registry", host)).toBeDefined();
    }
    const missing = await req("DELETE", "/registries/never.example", acme);
    expect(missing.body).toEqual({ error: { code: "not_found", message: "no registry credential for never.example" } });
  });
});

describe("without SLIPWAY_SECRET_KEY", () => {
  it("answers 503 naming the setting, for every registries route", async () => {
    const keyless = await startTestApi({ secretKey: null });
    try {
      for (const [method, path] of [
        ["PUT", "/registries/ghcr.io"],
        ["GET", "/registries"],
        ["DELETE", "/registries/ghcr.io"],
      ] as const) {
        const res = await fetch(`${keyless.url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
          ...(method === "PUT" ? { body: JSON.stringify({ username: "u", password: pw("keyless"), repositories: ["acme/*"] }) } : {}),
        });
        const body = (await res.json()) as any;
        expect(res.status, method).toBe(503);
        expect(body.error.message).toContain("the api has no SLIPWAY_SECRET_KEY");
      }
      expect(await keyless.db.secret.count()).toBe(0);
    } finally {
      await keyless.close();
    }
  });
});

describe("logs", () => {
  it("never contain a password, though every request above was logged", () => {
    const logs = api.logs();
    expect(logs).toContain("/api/v1/registries");
    expect(passwords.length).toBeGreaterThan(10);
    for (const p of passwords) expect(logs).not.toContain(p);
  });
});
