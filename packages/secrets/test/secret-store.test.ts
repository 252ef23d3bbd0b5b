// The store on a real PostgreSQL database of the test's own.
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateSecretKey, SecretBox, SecretStore } from "../src/index";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 3 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const key = () => randomBytes(32).toString("hex");

describe("SecretStore", () => {
  it("keeps values sealed in the database; lists without values; reads back; deletes", async () => {
    const store = new SecretStore(db, new SecretBox(key()));
    const info = await store.put({
      kind: "registry",
      name: "ghcr.io",
      username: "octocat",
      value: "ghp_registry-password-1",
      repositories: ["acme/*"],
    });
    expect(info).toMatchObject({ kind: "registry", name: "ghcr.io", username: "octocat", repositories: ["acme/*"] });
    expect(JSON.stringify(info)).not.toContain("ghp_registry-password-1");
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>("SELECT * FROM secrets");
    expect(JSON.stringify(rows)).not.toContain("ghp_registry-password-1");
    expect(await store.read("registry", "ghcr.io")).toBe("ghp_registry-password-1");
    expect(JSON.stringify(await store.list())).not.toContain("ghp_registry-password-1");
    await store.put({ kind: "registry", name: "ghcr.io", username: "octocat", value: "ghp_registry-password-2", repositories: ["acme/*"] });
    expect(await store.read("registry", "ghcr.io")).toBe("ghp_registry-password-2");
    expect(await store.read("build", "MISSING")).toBeUndefined();
    expect(await store.open("registry", "ghcr.io")).toMatchObject({
      name: "ghcr.io",
      username: "octocat",
      repositories: ["acme/*"],
      value: "ghp_registry-password-2",
    });
    expect(JSON.stringify(await store.find("registry", "ghcr.io"))).not.toContain("ghp_registry-password");
    expect(await store.find("registry", "ghcr.io")).toMatchObject({ name: "ghcr.io", username: "octocat" });
    expect(await store.open("registry", "MISSING")).toBeUndefined();
    expect(await store.find("registry", "MISSING")).toBeUndefined();
    expect(await store.delete("registry", "ghcr.io")).toBe(true);
    expect(await store.delete("registry", "ghcr.io")).toBe(false);
  });

  it("a sealed value copied into another row does not open there", async () => {
    const store = new SecretStore(db, new SecretBox(key()));
    await store.put({ kind: "build", name: "NPM_TOKEN", value: "npm-secret", repositories: ["acme/web"] });
    await store.put({ kind: "build", name: "DECOY", value: "decoy", repositories: ["evil/*"] });
    const sealed = (await db.secret.findUniqueOrThrow({ where: { kind_name: { kind: "build", name: "NPM_TOKEN" } } })).sealed;
    await db.secret.update({ where: { kind_name: { kind: "build", name: "DECOY" } }, data: { sealed } });
    await expect(store.read("build", "DECOY")).rejects.toThrow("does not open");
    await expect(store.open("build", "DECOY")).rejects.toThrow("does not open");
  });

  it("rotation re-seals every row under the new key, all or nothing, and can run again", async () => {
    await db.secret.deleteMany();
    const oldBox = new SecretBox(key());
    const newBox = new SecretBox(key());
    const before = new SecretStore(db, oldBox);
    for (let i = 0; i < 5; i++) await before.put({ kind: "build", name: `S${i}`, value: `value-${i}`, repositories: [] });
    expect(await rotateSecretKey(db, oldBox, newBox)).toBe(5);
    expect(await rotateSecretKey(db, oldBox, newBox)).toBe(0);
    const after = new SecretStore(db, newBox);
    for (let i = 0; i < 5; i++) expect(await after.read("build", `S${i}`)).toBe(`value-${i}`);
    await expect(before.read("build", "S0")).rejects.toThrow(`sealed with key ${newBox.keyId}`);
    expect(new Set((await after.list()).map((s) => s.keyId))).toEqual(new Set([newBox.keyId]));

    // A row the current key cannot open stops the rotation and changes nothing.
    const third = new SecretBox(key());
    await new SecretStore(db, third).put({ kind: "build", name: "STRAY", value: "x", repositories: [] });
    const fourth = new SecretBox(key());
    await expect(rotateSecretKey(db, newBox, fourth)).rejects.toThrow("secret build/STRAY does not open with the current key");
    expect(await after.read("build", "S1")).toBe("value-1");
  });

  it("readFor opens a build secret only for repositories its patterns allow; missing and not allowed look alike", async () => {
    const store = new SecretStore(db, new SecretBox(key()));
    await store.put({ kind: "build", name: "DEPLOY_KEY", value: "deploy-key-value", repositories: ["acme/*", "other/tool"] });
    await store.put({ kind: "build", name: "NOBODY", value: "nobody-value", repositories: [] });
    expect(await store.readFor("build", "DEPLOY_KEY", "Acme/Web")).toBe("deploy-key-value");
    expect(await store.readFor("build", "DEPLOY_KEY", "other/TOOL")).toBe("deploy-key-value");
    expect(await store.readFor("build", "DEPLOY_KEY", "other/tools")).toBeUndefined();
    expect(await store.readFor("build", "DEPLOY_KEY", "acme-x/web")).toBeUndefined();
    // A row without patterns allows nobody; a name that is not stored answers the same.
    expect(await store.readFor("build", "NOBODY", "acme/web")).toBeUndefined();
    expect(await store.readFor("build", "MISSING", "acme/web")).toBeUndefined();
    // Kind is part of the identity: a registry credential is not a build secret.
    await store.put({ kind: "registry", name: "REG", value: "registry-value", repositories: ["acme/*"] });
    expect(await store.readFor("build", "REG", "acme/web")).toBeUndefined();
  });
});
