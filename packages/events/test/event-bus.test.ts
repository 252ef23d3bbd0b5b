import { randomBytes } from "node:crypto";
import { createLogger } from "@slipway/logger";
import { testEnv } from "@slipway/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { EventBus } from "../src/event-bus";

const redis = new Redis(testEnv.redisUrl);
const key = `t${randomBytes(4).toString("hex")}:events`;
const lines: string[] = [];
const logger = createLogger({ name: "events-test", level: "warn", destination: { write: (s: string) => void lines.push(s) } as never });
afterAll(async () => {
  await redis.del(key);
  redis.disconnect();
});

const take = async (after: string, n: number) => {
  const ac = new AbortController();
  const got = [];
  const follower = redis.duplicate();
  for await (const e of EventBus.follow(follower, key, after, ac.signal, 200)) {
    got.push(e);
    if (got.length === n) break;
  }
  follower.disconnect();
  return got;
};
const queued = (buildId: string) => ({
  type: "build.queued" as const,
  buildId,
  repository: "acme/app",
  attempt: 1,
  trigger: "push",
  ref: "refs/heads/main",
  sha: "a".repeat(40),
});

describe("EventBus", () => {
  it("followers read in order, resume after an id, and skip entries they cannot read", async () => {
    const bus = new EventBus(redis, logger, key);
    bus.emit(queued("b1"));
    await redis.xadd(key, "*", "e", JSON.stringify({ type: "build.exploded", buildId: "x" }));
    bus.emit(queued("b2"));
    bus.emit({
      type: "build.finished",
      buildId: "b1",
      repository: "acme/app",
      attempt: 1,
      status: "succeeded",
      durationMs: 5,
      cachedSteps: 1,
      totalSteps: 2,
      error: null,
    });
    const all = await take("0-0", 3);
    expect(all.map((e) => [e.type, e.buildId])).toEqual([
      ["build.queued", "b1"],
      ["build.queued", "b2"],
      ["build.finished", "b1"],
    ]);
    expect(all[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const resumed = await take(all[0]!.id, 2);
    expect(resumed.map((e) => e.id)).toEqual([all[1]!.id, all[2]!.id]);
  });

  it("'$' starts after what is there now", async () => {
    const bus = new EventBus(redis, logger, key);
    const pending = take("$", 1);
    await new Promise((r) => setTimeout(r, 300));
    bus.emit(queued("b3"));
    expect((await pending).map((e) => e.buildId)).toEqual(["b3"]);
  });

  it("an id that is not one is refused before any read", async () => {
    await expect(take("1-0; FLUSHALL", 1)).rejects.toThrow(/not an event id/);
  });

  it("emit never throws when Redis is gone: it logs and the caller goes on", async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    dead.on("error", () => {});
    new EventBus(dead, logger, key).emit(queued("b4"));
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.join("")).toContain("could not emit a farm event");
    dead.disconnect();
  });
});
