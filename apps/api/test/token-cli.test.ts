// `npm run token` as an operator runs it: a real process on a real database of the test's own.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { authenticate } from "@slipway/auth";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const BOOTSTRAP = "bootstrap-token-not-used-here-0123456789";
let database: TestDatabase;
let db: Db;

/** Runs the shell command; DATABASE_URL is the test database unless `env` says otherwise. */
function token(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync("npm", ["run", "-s", "token", "--", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: database.url, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("npm run token", () => {
  it("create prints the token once, alone on stdout; it works with the scopes and repositories given", async () => {
    const r = token([
      "create",
      "--name",
      "ci deploy",
      "--scope",
      "read",
      "--scope",
      "write",
      "--repo",
      "Acme/*",
      "--repo",
      "other/app",
      "--expires-days",
      "30",
    ]);
    expect(r.stderr).toContain("created API token");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^slw_[A-Za-z0-9_-]{40}\n$/);
    const secret = r.stdout.trim();
    expect(r.stderr).not.toContain(secret);
    expect(r.stderr).toContain("acme/*, other/app");
    const principal = await authenticate({ db, bootstrapToken: BOOTSTRAP }, `Bearer ${secret}`);
    expect(principal).toMatchObject({ name: "ci deploy", scopes: ["read", "write"], repositories: ["acme/*", "other/app"] });
    const days = (principal.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: principal.tokenId } });
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("list shows tokens without their secret; revoke ID stops one at once", async () => {
    const secret = token(["create", "--name", "to-revoke", "--scope", "admin"]).stdout.trim();
    const { tokenId } = await authenticate({ db, bootstrapToken: BOOTSTRAP }, `Bearer ${secret}`);
    const list = token(["list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(tokenId);
    expect(list.stdout).toContain("to-revoke");
    expect(list.stdout).toContain(`${secret.slice(0, 8)}…`);
    expect(list.stdout).not.toContain(secret.slice(8, 20));

    const revoked = token(["revoke", tokenId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked API token ${tokenId}`);
    await expect(authenticate({ db, bootstrapToken: BOOTSTRAP }, `Bearer ${secret}`)).rejects.toMatchObject({ code: "unauthorized" });
    expect(token(["list"]).stdout).toMatch(new RegExp(`${tokenId}.*revoked`));
  });

  it.each([
    [["create", "--name", "x"], "--scope: is required"],
    [["create", "--scope", "read"], "--name: is required"],
    [["create", "--name", "x", "--scope", "root"], '--scope: "root" Invalid option'],
    [
      ["create", "--name", "x", "--scope", "read", "--repo", "acme/*", "--repo", "nope"],
      '--repo: "nope" must be "owner/*" or "owner/repo"',
    ],
    [["create", "--name", "x", "--scope", "read", "--expires-days", "0"], "--expires-days: must be a whole number of days"],
    [["create", "--name", "x", "--scope", "read", "--expires-days", "soon"], "--expires-days: must be a whole number of days"],
    [["create", "--name", "x", "--scope", "read", "--bogus"], "Unknown option '--bogus'"],
    [["create", "--name"], "--name <value>' argument missing"],
    [["revoke"], "revoke takes exactly one token id"],
    [["list", "--scope", "read"], "list takes no options"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [[], "missing command"],
  ])("%j fails with exit 2 naming the problem, and creates nothing", async (args, message) => {
    const before = await db.apiToken.count();
    const r = token(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("usage:");
    expect(r.stdout).toBe("");
    expect(await db.apiToken.count()).toBe(before);
  });

  it("revoke of an unknown id fails with exit 1; a missing DATABASE_URL with exit 78 naming it", () => {
    const unknown = token(["revoke", "00000000-0000-7000-8000-000000000000"]);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, "error: no API token with id 00000000-0000-7000-8000-000000000000"]);
    const noDb = token(["list"], { DATABASE_URL: "" });
    expect(noDb.code).toBe(78);
    expect(noDb.stderr).toContain("DATABASE_URL: must be a PostgreSQL URL");
  });
});
