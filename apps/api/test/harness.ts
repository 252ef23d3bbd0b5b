// Starts the real api (Fastify on 127.0.0.1, real PostgreSQL database of the test's own,
// real Redis with a key prefix of the test's own) exactly as src/index.ts wires it.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { SessionSealer } from "@slipway/auth";
import { Writable } from "node:stream";
import { createDb, type Db } from "@slipway/db";
import { EventBus } from "@slipway/events";
import { RepositoryAllowList, SignatureVerifier } from "@slipway/ingest";
import { createLogger } from "@slipway/logger";
import {
  BUILD_JOB,
  createOutboxHandlers,
  createProducers,
  createRedis,
  OutboxRelay,
  type JobProducer,
  type Producers,
} from "@slipway/queue";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { createTestDatabase, testEnv, type TestDatabase } from "@slipway/testing";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { buildServer } from "../src/server";

export const WEBHOOK_SECRET = "test-webhook-secret-0123456789";
export const API_TOKEN = "test-bootstrap-token-0123456789abcdef";
/** the dashboard's build (npm test makes it before the tests run) */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../dashboard/dist", import.meta.url));

export interface TestApi {
  url: string;
  db: Db;
  database: TestDatabase;
  redis: Redis;
  /** the build queue producer */
  queue: JobProducer<typeof BUILD_JOB.schema>;
  producers: Producers;
  prefix: string;
  relay: OutboxRelay;
  /** the farm's event stream, on a key of this test's own */
  events: EventBus;
  app: FastifyInstance;
  /** SLIPWAY_SECRET_KEY of this api (null: none, so it has no secret store) */
  secretKey: string | null;
  /** every log line the api wrote, as text */
  logs: () => string;
  close: () => Promise<void>;
}

export interface TestApiOptions {
  redisUrl?: string;
  pollIntervalMs?: number;
  buildAttempts?: number;
  buildBackoffMs?: number;
  publishAttempts?: number;
  publishBackoffMs?: number;
  /** per token / per address; high unless a test is about rate limits */
  rateLimit?: { perTokenPerMin?: number; anonPerMin?: number; keyPrefix?: string };
  trustProxy?: false | number | string[];
  /** another test api's database to use instead of a new one (replicas) */
  database?: TestDatabase;
  /** SLIPWAY_ALLOWED_OWNERS @defaultValue any */
  allowedOwners?: string[];
  logStreams?: { perToken: number; max: number; recheckMs?: number };
  /** SLIPWAY_ACCEPT_RENAMES @defaultValue false */
  acceptRenames?: boolean;
  /** the git host POST /api/v1/builds resolves refs on (a TestGitServer) @defaultValue none */
  git?: { baseUrl: string; protocols: string[] };
  /** SLIPWAY_FORK_PULL_REQUESTS @defaultValue "members" */
  forkPullRequests?: "members" | "all" | "none";
  maxLargeWebhookBodies?: number;
  /** SLIPWAY_INGEST_MAX_PENDING @defaultValue 2000 */
  ingestMaxPending?: number;
  /** SLIPWAY_SECRET_KEY; null: unset (no secret store) @defaultValue a random key */
  secretKey?: string | null;
  /** GitHub is configured: builds stored, retried or cancelled write report outbox rows @defaultValue false */
  reportToGithub?: boolean;
  /** dashboard session lifetime @defaultValue 12 h */
  sessionTtlMs?: number;
}

export async function startTestApi(opts: TestApiOptions = {}): Promise<TestApi> {
  const ownDatabase = !opts.database;
  const database = opts.database ?? (await createTestDatabase(testEnv.adminDatabaseUrl));
  const db = createDb({ databaseUrl: database.url, poolSize: 30 });
  const redis = createRedis(opts.redisUrl ?? testEnv.redisUrl, "producer");
  redis.on("error", () => {});
  const prefix = `t${randomBytes(4).toString("hex")}`;
  const producers = createProducers(redis, {
    prefix,
    build: { attempts: opts.buildAttempts ?? 3, backoffMs: opts.buildBackoffMs ?? 200 },
    publish: { attempts: opts.publishAttempts ?? 2, backoffMs: opts.publishBackoffMs ?? 200 },
    // GitHub reports: quick retries, so tests of a flaky GitHub stay short.
    report: { backoffMs: 300 },
  });
  const queue = producers.build;
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name: "api-test", level: "debug", destination: sink });
  const secretKey = opts.secretKey === undefined ? randomBytes(32).toString("hex") : opts.secretKey;
  const relay = new OutboxRelay({
    db,
    logger,
    handlers: createOutboxHandlers(producers),
    pollIntervalMs: opts.pollIntervalMs ?? 200,
    dispatchTimeoutMs: 2_000,
  });
  const events = new EventBus(redis, logger, `${prefix}:events`);
  const app = await buildServer({
    db,
    redis,
    logger,
    events,
    queues: { producers, prefix },
    verifier: new SignatureVerifier(WEBHOOK_SECRET),
    allowList: new RepositoryAllowList(opts.allowedOwners ?? []),
    acceptRenames: opts.acceptRenames ?? false,
    forkPullRequests: opts.forkPullRequests ?? "members",
    ...(opts.git ? { git: opts.git } : {}),
    reportToGithub: opts.reportToGithub ?? false,
    ...(opts.logStreams ? { logStreams: opts.logStreams } : {}),
    ...(opts.maxLargeWebhookBodies ? { maxLargeWebhookBodies: opts.maxLargeWebhookBodies } : {}),
    ...(opts.ingestMaxPending ? { ingestMaxPending: opts.ingestMaxPending } : {}),
    ...(secretKey ? { secrets: new SecretStore(db, new SecretBox(secretKey)) } : {}),
    bootstrapToken: API_TOKEN,
    sessions: new SessionSealer(randomBytes(32).toString("hex"), opts.sessionTtlMs),
    dashboardDir: DASHBOARD_DIR,
    rateLimit: { perTokenPerMin: 100_000, anonPerMin: 100_000, keyPrefix: `${prefix}:ratelimit:`, ...opts.rateLimit },
    trustProxy: opts.trustProxy ?? false,
    onBuildStored: () => relay.kick(),
  });
  relay.start();
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    database,
    redis,
    queue,
    producers,
    prefix,
    relay,
    events,
    app,
    secretKey,
    logs: () => chunks.join(""),
    close: async () => {
      await app.close();
      await relay.stop();
      await queue.queue.obliterate({ force: true }).catch(() => {});
      await producers.publish.queue.obliterate({ force: true }).catch(() => {});
      await producers.report.queue.obliterate({ force: true }).catch(() => {});
      await producers.close();
      await redis.del(events.key).catch(() => {});
      redis.disconnect();
      await db.$disconnect();
      if (ownDatabase) await database.drop();
    },
  };
}

/** Polls `fn` until it returns true (outcome checks, not timing). */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Counts of what ingest stores, to assert that bad input stored nothing. */
export async function storedCounts(db: Db) {
  const [deliveries, builds, outbox, repositories] = await Promise.all([
    db.webhookDelivery.count(),
    db.build.count(),
    db.outboxMessage.count(),
    db.repository.count(),
  ]);
  return { deliveries, builds, outbox, repositories };
}
