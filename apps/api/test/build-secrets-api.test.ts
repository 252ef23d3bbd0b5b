// /api/v1/secrets: build secrets go in and never come out; names and bodies are checked;
// admin tokens limited to some repositories cannot grant, see, replace or delete beyond them.
import { randomBytes } from "node:crypto";
import { createApiToken } from "@slipway/auth";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN, startTestApi, type TestApi } from "./harness";
import { apiRequest } from "./api-request";

const KEY = randomBytes(32).toString("hex");
let api: TestApi;
let keyless: TestApi;
let store: SecretStore;
const tokens: Record<string, string> = {};
/** every value stored by this file: none may appear in any answer, log line or column but `sealed` */
const values: string[] = [];

beforeAll(async () => {
  api = await startTestApi({ secretKey: KEY });
  keyless = await startTestApi({ database: api.database, secretKey: null });
  store = new SecretStore(api.db, new SecretBox(KEY));
  const make = async (name: string, repositories?: string[]) =>
    (await createApiToken(api.db, { name, scopes: ["admin"], ...(repositories ? { repositories } : {}) })).token;
  tokens.admin = await make("admin");
  tokens.acme = await make("acme admin", ["acme/*"]);
  tokens.acmeWeb = await make("acme/web admin", ["acme/web"]);
});
afterAll(async () => {
  await keyless?.close();
  await api?.close();
});

const call = (method: string, path: string, token = API_TOKEN, body?: unknown, on = api) => apiRequest(on.url, method, path, token, body);
const newValue = (label: string) => {
  const v = `${label}-${randomBytes(12).toString("hex")}`;
  values.push(v);
  return v;
};
const put = (name: string, value: string, repositories: unknown, token = API_TOKEN) =>
  call("PUT", `/secrets/${name}`, token, { value, repositories });

describe("PUT, GET, DELETE /api/v1/secrets", () => {
  it("stores, replaces, lists and deletes a build secret; answers never carry the value", async () => {
    const first = newValue("npm");
    const created = await put("NPM_TOKEN", first, ["Acme/*", "other/tool", "acme/*"]);
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ name: "NPM_TOKEN", repositories: ["acme/*", "other/tool"], updatedAt: expect.any(String) });
    expect(await store.readFor("build", "NPM_TOKEN", "acme/web")).toBe(first);

    const second = newValue("npm2");
    const replaced = await put("NPM_TOKEN", second, ["acme/web"]);
    expect(replaced.status).toBe(200);
    expect(replaced.body.repositories).toEqual(["acme/web"]);
    expect(await store.readFor("build", "NPM_TOKEN", "acme/web")).toBe(second);
    expect(await store.readFor("build", "NPM_TOKEN", "other/tool")).toBeUndefined();

    const list = await call("GET", "/secrets");
    expect(list.status).toBe(200);
    expect(list.body.secrets).toContainEqual({ name: "NPM_TOKEN", repositories: ["acme/web"], updatedAt: replaced.body.updatedAt });
    for (const s of list.body.secrets) expect(Object.keys(s).sort()).toEqual(["name", "repositories", "updatedAt"]);

    expect((await call("DELETE", "/secrets/NPM_TOKEN")).status).toBe(204);
    expect(await store.find("build", "NPM_TOKEN")).toBeUndefined();
    const again = await call("DELETE", "/secrets/NPM_TOKEN");
    expect(again).toMatchObject({ status: 404, body: { error: { code: "not_found", message: "no build secret named NPM_TOKEN" } } });
  });

  it("422 for a name BuildKit and .slipway.yml would not accept, naming the rule; nothing stored", async () => {
    for (const name of ["1TOKEN", "NPM-TOKEN", "npm.token", "T%20X", "%C3%A9t%C3%A9", "A-"]) {
      const res = await put(name, newValue("bad-name"), ["acme/*"]);
      expect(res.status, name).toBe(422);
      expect(res.body.error).toEqual({
        code: "unprocessable",
        message:
          'the secret name must be letters, digits and _, not starting with a digit, at most 100 characters (what .slipway.yml "secrets:" and RUN --mount=type=secret,id=NAME accept)',
      });
      expect((await call("DELETE", `/secrets/${name}`)).status, name).toBe(422);
    }
    // 100 characters is the longest name; Fastify itself refuses longer path parameters (414).
    expect((await put("A".repeat(101), newValue("too-long"), ["acme/*"])).status).toBe(414);
    expect((await put(`_${"A".repeat(99)}`, newValue("ok"), ["acme/*"])).status).toBe(200);
    expect((await api.db.secret.findMany({ select: { name: true } })).map((r) => r.name)).toEqual([`_${"A".repeat(99)}`]);
    await call("DELETE", `/secrets/_${"A".repeat(99)}`);
  });

  it("400 naming the field for a bad body: values too short to mask, lines too long, repositories missing or wrong", async () => {
    const cases: [unknown, string][] = [
      [
        { value: "abc", repositories: ["acme/*"] },
        "value: must hold at least 4 characters besides surrounding whitespace: shorter values cannot be masked in build logs",
      ],
      [{ value: "  ab \n", repositories: ["acme/*"] }, "value: must hold at least 4 characters"],
      [
        { value: `ok\n${"x".repeat(4097)}`, repositories: ["acme/*"] },
        "value: each line must be at most 4096 characters (so the log can mask it whole)",
      ],
      [{ value: "x".repeat(65 * 1024), repositories: ["acme/*"] }, "value: must be at most 65536 characters"],
      [{ repositories: ["acme/*"] }, "value: is required"],
      [{ value: "long-enough" }, "repositories: is required"],
      [{ value: "long-enough", repositories: [] }, "repositories: needs at least one pattern"],
      [{ value: "long-enough", repositories: ["acme"] }, 'repositories.0: must be "owner/*" or "owner/repo"'],
      [{ value: "long-enough", repositories: ["*/*"] }, 'repositories.0: must be "owner/*" or "owner/repo"'],
      [{ value: "long-enough", repositories: ["acme/*"], username: "x" }, "Unrecognized key"],
    ];
    for (const [body, message] of cases) {
      const res = await call("PUT", "/secrets/SOME_SECRET", API_TOKEN, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    expect(await api.db.secret.count()).toBe(0);
  });

  it("503 naming SLIPWAY_SECRET_KEY when the api has no key", async () => {
    for (const [method, path, body] of [
      ["PUT", "/secrets/X_TOKEN", { value: newValue("keyless"), repositories: ["acme/*"] }],
      ["GET", "/secrets"],
      ["DELETE", "/secrets/X_TOKEN"],
    ] as const) {
      const res = await call(method, path, API_TOKEN, body, keyless);
      expect(res.status, method).toBe(503);
      expect(res.body.error).toEqual({
        code: "unavailable",
        message: "build secrets are off: this api has no SLIPWAY_SECRET_KEY (32 bytes as 64 hex digits; the workers need the same key)",
      });
    }
    expect(await api.db.secret.count()).toBe(0);
  });
});

describe("an admin token limited to some repositories", () => {
  it("grants secrets only within its reach", async () => {
    expect((await put("ACME_WEB", newValue("acme-web"), ["acme/web"], tokens.acme)).status).toBe(200);
    expect((await put("ACME_ALL", newValue("acme-all"), ["acme/*"], tokens.acme)).status).toBe(200);
    for (const [token, repositories] of [
      [tokens.acme, ["other/*"]],
      [tokens.acme, ["acme/*", "other/x"]],
      [tokens.acmeWeb, ["acme/*"]],
      [tokens.acmeWeb, ["acme/web", "acme/api"]],
    ] as const) {
      const res = await put("GRAB", newValue("grab"), repositories, token);
      expect(res.status, repositories.join()).toBe(403);
      expect(res.body.error.message).toMatch(/^this API token is limited to acme\/(\*|web): "repositories" must lie within that$/);
    }
    expect(await store.find("build", "GRAB")).toBeUndefined();
  });

  it("cannot replace a secret that repositories beyond its reach use, nor see or delete it", async () => {
    const theirs = newValue("theirs");
    expect((await put("SHARED", theirs, ["acme/*", "other/*"])).status).toBe(200);
    const hijack = await put("SHARED", newValue("hijack"), ["acme/web"], tokens.acme);
    expect(hijack.status).toBe(403);
    expect(hijack.body.error.message).toBe(
      "a build secret named SHARED is used by repositories beyond this API token's reach (acme/*); only a token that reaches them may replace it",
    );
    expect(await store.readFor("build", "SHARED", "other/app")).toBe(theirs);

    const seen = (await call("GET", "/secrets", tokens.acme)).body.secrets.map((s: any) => s.name);
    expect(seen.sort()).toEqual(["ACME_ALL", "ACME_WEB"]);
    expect((await call("GET", "/secrets", tokens.acmeWeb)).body.secrets.map((s: any) => s.name)).toEqual(["ACME_WEB"]);
    expect((await call("GET", "/secrets")).body.secrets.map((s: any) => s.name).sort()).toEqual(["ACME_ALL", "ACME_WEB", "SHARED"]);

    // Beyond reach answers exactly as a name that is not stored.
    const beyond = await call("DELETE", "/secrets/SHARED", tokens.acme);
    const missing = await call("DELETE", "/secrets/NOT_STORED", tokens.acme);
    expect(beyond.status).toBe(404);
    expect(beyond.text.replace("SHARED", "N")).toBe(missing.text.replace("NOT_STORED", "N"));
    expect((await call("DELETE", "/secrets/ACME_ALL", tokens.acmeWeb)).status).toBe(404);
    expect(await store.readFor("build", "SHARED", "other/app")).toBe(theirs);
    expect(await store.find("build", "ACME_ALL")).toBeDefined();
    expect((await call("DELETE", "/secrets/ACME_WEB", tokens.acmeWeb)).status).toBe(204);
  });
});

describe("values stay sealed", () => {
  it("no value in any api log line, nor in any database column but secrets.sealed", async () => {
    expect(values.length).toBeGreaterThan(10);
    const logs = api.logs() + keyless.logs();
    expect(logs).toContain("/api/v1/secrets");
    const tables = await api.db.$queryRaw<
      { table_name: string }[]
    >`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
    expect(tables.map((t) => t.table_name)).toContain("secrets");
    let dump = "";
    for (const { table_name } of tables) {
      const rows = await api.db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${table_name}"`);
      dump += JSON.stringify(
        rows.map(({ sealed: _sealed, ...rest }) => rest),
        (_, v: unknown) => (typeof v === "bigint" ? String(v) : v),
      );
    }
    expect(dump).toContain("SHARED");
    for (const v of values) {
      expect(logs).not.toContain(v);
      expect(dump).not.toContain(v);
    }
  });
});
