// Secrets in build output, through the real path: BuildKit's log messages (cut anywhere) into
// the LineAssembler, then the sink, then the real Redis stream and PostgreSQL chunks.
import { randomBytes } from "node:crypto";
import { createDb, type Db } from "@slipway/db";
import { createTestDatabase, insertTestBuild, testEnv, type TestDatabase } from "@slipway/testing";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BuildLogSink } from "../src/build-log-sink";
import { MAX_LINE_BYTES } from "../src/cut-line";
import { LineAssembler } from "../src/line-assembler";

let database: TestDatabase;
let db: Db;
let redis: Redis;
beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 5 });
  redis = new Redis(testEnv.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

/** A sink for a new build, an assembler feeding it as run-buildx does, and readers of both stores. */
async function pipeline(secrets: string[]) {
  const { buildId } = await insertTestBuild(db);
  const sink = new BuildLogSink({ db, redis, logger: pino({ level: "silent" }), buildId, attempt: 1, secrets, flushMs: 20 });
  const assembler = new LineAssembler((vertex, line) => sink.write(`#${vertex} ${line}`));
  return {
    sink,
    assembler,
    stored: async () => (await db.buildLogChunk.findMany({ where: { buildId }, orderBy: { seq: "asc" } })).map((c) => c.content).join("\n"),
    live: async () => (await redis.xrange(`slipway:log:${buildId}:1`, "-", "+")).map(([, f]) => f[3]).join("\n"),
  };
}

describe("BuildLogSink masks secrets before storing and streaming", () => {
  it("a value cut between BuildKit log messages at every byte, even inside a character, is masked whole", async () => {
    const secret = "pässwörd-€-4711";
    const p = await pipeline([secret]);
    const bytes = Buffer.from(`token=${secret} end\n`);
    for (let cut = 1; cut < bytes.length; cut++) {
      p.assembler.push("1", 1, bytes.subarray(0, cut));
      // Another vertex's output arrives in between, as it does in a parallel build.
      p.assembler.push("2", 1, Buffer.from(`other ${cut}\n`));
      p.assembler.push("1", 1, bytes.subarray(cut));
    }
    await p.sink.close();
    for (const text of [await p.stored(), await p.live()]) {
      expect(text).not.toContain(secret);
      expect(text.split("\n").filter((l) => l.startsWith("#1 "))).toEqual(
        Array.from({ length: bytes.length - 1 }, () => "#1 token=*** end"),
      );
    }
  });

  it("a multi-line value (a private key) printed whole is masked line by line", async () => {
    const key = [
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      ...Array.from({ length: 5 }, () => randomBytes(48).toString("base64")),
      "Zm9vYg==",
      "-----END OPENSSH PRIVATE KEY-----",
    ].join("\n");
    const p = await pipeline([`${key}\n`]);
    p.assembler.push("3", 1, Buffer.from(`${key}\n`));
    // ... and its lines inside other text
    p.assembler.push("3", 2, Buffer.from(`line two is ${key.split("\n")[2]}!\n`));
    await p.sink.close();
    for (const text of [await p.stored(), await p.live()]) {
      for (const line of key.split("\n")) expect(text).not.toContain(line);
      expect(text.split("\n")).toEqual([...key.split("\n").map(() => "#3 ***"), "#3 line two is ***!"]);
    }
  });

  it("a secret line of up to 4 KiB (the API's limit) straddling the endless-line cut leaves no part of itself in the log", async () => {
    // The assembler emits an unterminated line once it holds 64 KiB + 4 KiB, here in the
    // middle of the secret (fed byte by byte around that point), and drops the rest of it.
    const leaked = async (secretLength: number, start: number) => {
      const secret = randomBytes(secretLength).toString("base64url").slice(0, secretLength);
      const p = await pipeline([secret]);
      p.assembler.push("4", 1, Buffer.from("x".repeat(start)));
      for (const byte of Buffer.from(secret)) p.assembler.push("4", 1, Buffer.from([byte]));
      p.assembler.push("4", 1, Buffer.from(`${"y".repeat(5000)}\nafter\n`));
      await p.sink.close();
      const stored = await p.stored();
      expect(stored.split("\n").at(-1)).toBe("#4 after");
      return Array.from({ length: secretLength - 15 }, (_, i) => secret.slice(i, i + 16)).some((piece) => stored.includes(piece));
    };
    // The earliest a 4096-character line can start and still straddle the emit point.
    expect(await leaked(4096, MAX_LINE_BYTES + 2)).toBe(false);
    // Why the API refuses longer lines: one of 5000 straddling the same point shows its start.
    expect(await leaked(5000, MAX_LINE_BYTES - 900)).toBe(true);
  });

  it("secrets added once the build's config is read mask every later line, Slipway's own too", async () => {
    const p = await pipeline([]);
    p.sink.note("slipway: before any secret is known");
    p.sink.addSecrets(["late-secret-value"]);
    p.sink.write("#5 got late-secret-value");
    p.sink.note("slipway: build failed: step printed late-secret-value");
    expect(p.sink.mask("error: late-secret-value\nand late-secret-value")).toBe("error: ***\nand ***");
    await p.sink.close();
    expect(await p.stored()).toBe("slipway: before any secret is known\n#5 got ***\nslipway: build failed: step printed ***");
    expect(await p.live()).toBe(await p.stored());
  });
});
