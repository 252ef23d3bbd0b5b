import { randomBytes, randomInt } from "node:crypto";
import type { Db } from "@slipway/db";

/**
 * A repository, a build and its attempt 1 (status `status`), straight in the database: for
 * tests of the log store and readers that need a build row but no webhook or worker.
 */
export async function insertTestBuild(db: Db, status: "queued" | "running" | "succeeded" = "running"): Promise<{ buildId: string }> {
  const name = `repo-${randomBytes(4).toString("hex")}`;
  const build = await db.build.create({
    data: {
      trigger: "push",
      ref: "refs/heads/main",
      refType: "branch",
      refName: "main",
      sha: "0".repeat(40),
      status,
      repository: { create: { githubId: randomInt(1, 2 ** 47), fullName: `test/${name}`, owner: "test", name } },
      attempts: { create: { attempt: 1, trigger: "push", status } },
    },
  });
  return { buildId: build.id };
}
