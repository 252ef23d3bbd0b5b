// Batches of one repository's deliveries that share its lock run side by side, so they must
// take the rows of the same pushes in one order: two batches holding copies of the same pushes
// (a redelivery under new delivery ids) in opposite orders once deadlocked. SQL-level, through
// slipway_store_deliveries on two connections at once.
import { randomBytes, randomUUID } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 4 });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const repo = { new_id: randomUUID(), github_id: "91001", full_name: "acme/order", owner: "acme", name: "order", default_branch: "main" };
/** A push to the default branch (shared lock), as the api hands it to the function, under a new delivery id. */
const delivery = (push: { before: string; sha: string }) => ({
  id: randomUUID(),
  github_delivery: randomUUID(),
  event: "push",
  outcome: "build_queued",
  repo,
  build: {
    id: randomUUID(),
    attempt_id: randomUUID(),
    trigger: "push",
    ref: "refs/heads/main",
    ref_type: "branch",
    ref_name: "main",
    sha: push.sha,
    before_sha: push.before,
  },
  payload: {},
});
const store = (items: unknown[]) =>
  db.$queryRaw<
    { r: ({ outcome: string } | { error: string; sqlstate: string })[] }[]
  >`SELECT slipway_store_deliveries(${JSON.stringify(items)}::jsonb) AS r`;

describe("shared-lock batches of the same pushes", () => {
  it("never deadlock: the same pushes in opposite orders, stored at once, give one build each", async () => {
    await store([delivery({ before: "0".repeat(40), sha: "1".repeat(40) })]); // the repository exists
    for (let round = 0; round < 10; round++) {
      const pushes = Array.from({ length: 24 }, () => ({ before: randomBytes(20).toString("hex"), sha: randomBytes(20).toString("hex") }));
      const [a, b] = await Promise.all([store(pushes.map(delivery)), store([...pushes].reverse().map(delivery))]);
      const results = [...a[0]!.r, ...b[0]!.r];
      expect(results.filter((r) => "error" in r)).toEqual([]);
      // Each push stored once as a build; its copy answered as a replay of it.
      expect(results.filter((r) => "outcome" in r && r.outcome === "build_queued")).toHaveLength(pushes.length);
      const builds = await db.build.count({ where: { sha: { in: pushes.map((p) => p.sha) } } });
      expect(builds).toBe(pushes.length);
    }
  });
});
