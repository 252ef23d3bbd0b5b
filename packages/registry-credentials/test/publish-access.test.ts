// Who may publish where, read from a real secret store on a real PostgreSQL database.
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PublishAccess } from "../src/index";

let database: TestDatabase;
let db: Db;
let secrets: SecretStore;
const key = randomBytes(32).toString("hex");
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 3 });
  secrets = new SecretStore(db, new SecretBox(key));
  await secrets.put({
    kind: "registry",
    name: "ghcr.io",
    username: "acmebot",
    value: "ghcr-password-1",
    repositories: ["acme/*", "other/app"],
  });
  await secrets.put({ kind: "registry", name: "docker.io", username: "acmehub", value: "hub-password-1", repositories: ["acme/web"] });
  await secrets.put({ kind: "registry", name: "public.lan:5000", username: "lan", value: "lan-password-1", repositories: ["acme/*"] });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("PublishAccess", () => {
  const access = () => new PublishAccess({ secrets, publicHosts: ["Public.LAN:5000", "index.docker.io"] });

  it("uses the host's credential for the repositories it names, case-insensitively", async () => {
    const grant = { kind: "credential", credential: { username: "acmebot", password: "ghcr-password-1" } };
    expect(await access().resolve("ghcr.io/acme/app", "ghcr.io", "Acme/App")).toEqual(grant);
    expect(await access().resolve("ghcr.io/other/app", "ghcr.io", "OTHER/app")).toEqual(grant);
    expect(await access().resolve("ghcr.io/x/y", "GHCR.IO", "acme/tools")).toEqual(grant);
  });

  it("refuses a repository the credential does not name, saying how to allow it", async () => {
    expect(await access().resolve("ghcr.io/acme/app", "ghcr.io", "other/tools")).toEqual({
      kind: "refused",
      reason:
        "publish to ghcr.io/acme/app refused: no registry credential for ghcr.io allows other/tools (add one with PUT /api/v1/registries/ghcr.io, or list the host in SLIPWAY_PUBLIC_PUBLISH_HOSTS)",
    });
    expect((await access().resolve("quay.io/acme/app", "quay.io", "acme/app")).kind).toBe("refused");
  });

  it("publishes without credentials to a public host when no credential allows the repository", async () => {
    expect(await access().resolve("public.lan:5000/x/y", "public.lan:5000", "stranger/repo")).toEqual({ kind: "public" });
    // A credential there that allows the repository is still used.
    expect((await access().resolve("public.lan:5000/x/y", "public.lan:5000", "acme/app")).kind).toBe("credential");
    // Docker Hub's aliases are one host: listing index.docker.io makes docker.io public.
    expect(await access().resolve("stranger/repo", "docker.io", "stranger/repo")).toEqual({ kind: "public" });
  });

  it("without a store (no SLIPWAY_SECRET_KEY) only public hosts; the refusal says why", async () => {
    const keyless = new PublishAccess({ publicHosts: [] });
    const refused = await keyless.resolve("ghcr.io/acme/app", "ghcr.io", "acme/app");
    expect(refused).toMatchObject({ kind: "refused", reason: expect.stringContaining("this publisher has no SLIPWAY_SECRET_KEY") });
  });

  it("a credential sealed under another key is refused, naming the key mismatch, never its value", async () => {
    const other = new PublishAccess({ secrets: new SecretStore(db, new SecretBox(randomBytes(32).toString("hex"))), publicHosts: [] });
    const refused = await other.resolve("ghcr.io/acme/app", "ghcr.io", "acme/app");
    expect(refused).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("the publisher's SLIPWAY_SECRET_KEY must be the api's"),
    });
    expect(JSON.stringify(refused)).not.toContain("ghcr-password-1");
  });
});
