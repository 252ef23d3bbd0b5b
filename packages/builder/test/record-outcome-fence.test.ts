// A worker that lost its job to another try (its lock expired while it was stalled) records
// nothing: the build, its attempt, steps and outbox stay as the try that runs it now leaves them.
import { randomUUID } from "node:crypto";
import { BuildLogSink } from "@slipway/build-log";
import { createDb, type Db } from "@slipway/db";
import { createLogger } from "@slipway/logger";
import { createRedis } from "@slipway/queue";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBuildConfig } from "../src/build-config";
import { recordOutcome } from "../src/record-outcome";

const lines: string[] = [];
const log = createLogger({ name: "fence-test", level: "info", destination: { write: (s: string) => void lines.push(s) } as never });
let database: TestDatabase;
let db: Db;
let redis: Redis;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 2 });
  redis = createRedis(testEnv.redisUrl, "producer");
});
afterAll(async () => {
  redis.disconnect();
  await db.$disconnect();
  await database.drop();
});

const succeeded = {
  kind: "succeeded" as const,
  digest: `sha256:${"a".repeat(64)}`,
  imageRef: "127.0.0.1:5000/acme/app:build-x",
  steps: [
    {
      index: 0,
      vertexDigest: "sha256:1",
      name: "[1/1] RUN true",
      startedAt: new Date(),
      completedAt: new Date(),
      cached: false,
      error: null,
    },
  ],
  counts: { cached: 0, total: 1 },
  config: parseBuildConfig("publish:\n  - image: 127.0.0.1:5001/acme/app\n"),
};

async function record(buildId: string, runId: string, outcome: Parameters<typeof recordOutcome>[0]["outcome"]) {
  const build = await db.build.findUniqueOrThrow({ where: { id: buildId } });
  const sink = new BuildLogSink({ db, redis, logger: log, buildId, attempt: 1 });
  await sink.resume();
  return recordOutcome({
    db,
    sink,
    log,
    build,
    job: { buildId, attempt: 1, finalTry: false },
    runId,
    workerId: "worker-a",
    startedAt: new Date(),
    outcome,
    reportToGithub: true,
  });
}

describe("outcomes are fenced by the try that runs the build", () => {
  it("a displaced try's success, or its 'back to the queue', changes nothing; the current try's is recorded", async () => {
    const { buildId } = await insertTestBuild(db, "running");
    const current = randomUUID();
    await db.build.update({ where: { id: buildId }, data: { runId: current } });

    expect(await record(buildId, randomUUID(), succeeded)).toEqual({ kind: "displaced" });
    expect(await record(buildId, randomUUID(), { kind: "interrupted", message: "worker lost the job's lock" })).toEqual({
      kind: "displaced",
    });
    const after = await db.build.findUniqueOrThrow({ where: { id: buildId }, include: { attempts: true } });
    expect(after).toMatchObject({ status: "running", runId: current, digest: null });
    expect(after.attempts[0]!.status).toBe("running");
    expect(await db.buildStep.count({ where: { buildId } })).toBe(0);
    expect(await db.outboxMessage.count()).toBe(0);
    expect(lines.join("")).toContain("another worker took this build over; this try records nothing");
    const logText = (await db.buildLogChunk.findMany({ where: { buildId } })).map((c) => c.content).join("");
    expect(logText).toContain("lost this build to another try");

    expect(await record(buildId, current, succeeded)).toMatchObject({ kind: "succeeded" });
    const done = await db.build.findUniqueOrThrow({ where: { id: buildId }, include: { attempts: true } });
    expect(done).toMatchObject({ status: "succeeded", digest: succeeded.digest });
    expect(done.attempts[0]!.status).toBe("succeeded");
    expect((await db.outboxMessage.findMany()).map((m) => m.topic).sort()).toEqual(["github.report", "publish.enqueue"]);
  });
});
