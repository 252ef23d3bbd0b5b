// Which secrets a build gets, against the real store (PostgreSQL of this file's own).
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfrastructureFailure, UserFailure } from "../src/failures";
import { loadBuildSecrets, type LoadBuildSecretsInput } from "../src/load-build-secrets";
import { buildxArgs } from "../src/buildx-args";

let database: TestDatabase;
let db: Db;
let store: SecretStore;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 3 });
  store = new SecretStore(db, new SecretBox(randomBytes(32).toString("hex")));
  await store.put({ kind: "build", name: "NPM_TOKEN", value: "npm-token-value", repositories: ["acme/*"] });
  await store.put({ kind: "build", name: "OTHERS", value: "others-value", repositories: ["other/*"] });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const load = async (o: Partial<LoadBuildSecretsInput>) => {
  const lines: string[] = [];
  const result = await loadBuildSecrets({
    store,
    names: ["NPM_TOKEN"],
    repository: "Acme/Web",
    decision: { allow: true },
    onLine: (l) => lines.push(l),
    ...o,
  }).catch((e: unknown) => e);
  return { result, lines };
};

describe("loadBuildSecrets", () => {
  it("opens the listed secrets the repository may use; the log names them, never a value", async () => {
    const { result, lines } = await load({});
    expect(result).toEqual([{ name: "NPM_TOKEN", value: "npm-token-value" }]);
    expect(lines).toEqual([
      "slipway: build secrets NPM_TOKEN available to RUN --mount=type=secret,id=NAME (values masked as *** in this log)",
    ]);
    expect(await load({ names: [] })).toEqual({ result: [], lines: [] });
  });

  it("a secret for other repositories and a missing one fail alike, as the user's, naming them and the rule", async () => {
    const others = (await load({ names: ["NPM_TOKEN", "OTHERS"] })).result as Error;
    const missing = (await load({ names: ["NPM_TOKEN", "NOT_STORED"] })).result as Error;
    expect(others).toBeInstanceOf(UserFailure);
    expect(missing).toBeInstanceOf(UserFailure);
    const rule =
      'is not available to Acme/Web: a build gets only the secrets .slipway.yml lists that are stored with a repository pattern matching it (PUT /api/v1/secrets/NAME with "repositories": ["acme/web"] or ["owner/*"])';
    expect(others.message).toBe(`build secret OTHERS ${rule}`);
    expect(missing.message).toBe(`build secret NOT_STORED ${rule}`);
    const both = (await load({ names: ["OTHERS", "NOT_STORED"] })).result as Error;
    expect(both.message).toMatch(/^build secrets OTHERS, NOT_STORED are not available to Acme\/Web: /);
    for (const e of [others, missing, both]) expect(e.message).not.toMatch(/others-value|npm-token-value/);
  });

  it("a build that may not use secrets runs without them, and its log says why", async () => {
    const { result, lines } = await load({
      names: ["NPM_TOKEN", "OTHERS"],
      decision: { allow: false, reason: "a pull request from a fork" },
    });
    expect(result).toEqual([]);
    expect(lines).toEqual([
      "slipway: build secrets NPM_TOKEN, OTHERS are not given to this build (a pull request from a fork); RUN --mount=type=secret steps find no file",
    ]);
  });

  it("a worker without SLIPWAY_SECRET_KEY, or with another key: an infrastructure failure naming the cause", async () => {
    const keyless = (await load({ store: undefined })).result as Error;
    expect(keyless).toBeInstanceOf(InfrastructureFailure);
    expect(keyless.message).toBe("this worker cannot open build secrets (NPM_TOKEN): SLIPWAY_SECRET_KEY is not set on it");
    const wrongKey = (await load({ store: new SecretStore(db, new SecretBox(randomBytes(32).toString("hex"))) })).result as Error;
    expect(wrongKey).toBeInstanceOf(InfrastructureFailure);
    expect(wrongKey.message).toMatch(/^build secret NPM_TOKEN could not be opened: sealed with key [0-9a-f]{8}, not with this key/);
    // Without secrets to open, a keyless worker builds as before.
    expect((await load({ store: undefined, names: [] })).result).toEqual([]);
  });

  it("buildx gets the id and the name of a variable, never the value", () => {
    const args = buildxArgs({
      contextDir: "/c",
      dockerfile: "/c/Dockerfile",
      buildArgs: {},
      labels: {},
      secrets: [{ id: "NPM_TOKEN", env: "SLIPWAY_BUILD_SECRET_0" }],
      network: "default",
      imageRef: "r/i:t",
      cacheFrom: [],
      cacheTo: "r/c:t",
      metadataFile: "/m",
    });
    expect(args.join(" ")).toContain("--secret id=NPM_TOKEN,env=SLIPWAY_BUILD_SECRET_0");
    expect(args.filter((a) => a.startsWith("--build-arg")).join()).not.toContain("NPM_TOKEN");
  });
});
