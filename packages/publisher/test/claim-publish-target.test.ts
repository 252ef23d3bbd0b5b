// The claim on a publish target image, on a real PostgreSQL database: of many first publishes
// at once from two repositories, exactly one repository owns the image, and every caller
// is told the same owner.
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimPublishTarget } from "../src/claim-publish-target";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 20 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const repository = (githubId: number, fullName: string) =>
  db.repository.create({ data: { githubId: BigInt(githubId), fullName, owner: fullName.split("/")[0]!, name: fullName.split("/")[1]! } });

describe("claimPublishTarget", () => {
  it("the first repository keeps the image; later claims by others answer its name", async () => {
    const a = await repository(1, "acme/app");
    const b = await repository(2, "evil/app");
    expect(await claimPublishTarget(db, "ghcr.io/acme/app", a.id)).toEqual({ repositoryId: a.id, fullName: "acme/app" });
    expect(await claimPublishTarget(db, "ghcr.io/acme/app", b.id)).toEqual({ repositoryId: a.id, fullName: "acme/app" });
    expect(await claimPublishTarget(db, "ghcr.io/acme/app", a.id)).toEqual({ repositoryId: a.id, fullName: "acme/app" });
    expect(await db.publishTarget.count()).toBe(1);
  });

  it("40 first claims at once from two repositories: one owner, the same answer for all", async () => {
    const a = await repository(3, "race/one");
    const b = await repository(4, "race/two");
    for (let round = 0; round < 5; round++) {
      const image = `registry.example/race/app-${round}`;
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => claimPublishTarget(db, image, i % 2 ? a.id : b.id)));
      const owners = new Set(answers.map((x) => x.repositoryId));
      expect(owners.size, image).toBe(1);
      expect(await db.publishTarget.findMany({ where: { image } })).toHaveLength(1);
    }
  });
});
