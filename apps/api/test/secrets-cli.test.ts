// `npm run secrets -- rotate-key`, as an operator runs it, on a real database.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createDb, type Db } from "@slipway/db";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../src/secrets-cli.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 2 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const run = (args: string[], env: Record<string, string>) =>
  spawnSync(tsx, [entry, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 60_000 });

describe("npm run secrets -- rotate-key", () => {
  it("re-seals the store under the new key and says so without printing any value or key", async () => {
    const oldKey = randomBytes(32).toString("hex");
    const newKey = randomBytes(32).toString("hex");
    await new SecretStore(db, new SecretBox(oldKey)).put({
      kind: "registry",
      name: "ghcr.io",
      username: "u",
      value: "the-password",
      repositories: ["acme/*"],
    });
    const res = run(["rotate-key"], { DATABASE_URL: database.url, SLIPWAY_SECRET_KEY: oldKey, SLIPWAY_NEW_SECRET_KEY: newKey });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain(`re-sealed 1 secret under key ${new SecretBox(newKey).keyId}`);
    for (const out of [res.stdout, res.stderr]) for (const s of ["the-password", oldKey, newKey]) expect(out).not.toContain(s);
    expect(await new SecretStore(db, new SecretBox(newKey)).read("registry", "ghcr.io")).toBe("the-password");

    // The wrong current key: nothing changes, the cause is named.
    const wrong = run(["rotate-key"], {
      DATABASE_URL: database.url,
      SLIPWAY_SECRET_KEY: oldKey,
      SLIPWAY_NEW_SECRET_KEY: randomBytes(32).toString("hex"),
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("secret registry/ghcr.io does not open with the current key");
    expect(await new SecretStore(db, new SecretBox(newKey)).read("registry", "ghcr.io")).toBe("the-password");
  });

  it("bad keys stop it with the variable named (never the value); unknown commands exit 2", () => {
    const bad = run(["rotate-key"], { DATABASE_URL: database.url, SLIPWAY_SECRET_KEY: "not-a-key-value", SLIPWAY_NEW_SECRET_KEY: "zz" });
    expect(bad.status).toBe(78);
    expect(bad.stderr).toContain("SLIPWAY_SECRET_KEY: must be 32 bytes as 64 hex digits");
    expect(bad.stderr).toContain("SLIPWAY_NEW_SECRET_KEY");
    expect(bad.stderr).not.toContain("not-a-key-value");
    expect(run(["rotate"], {}).status).toBe(2);
  });
});
