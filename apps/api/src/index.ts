// The api process: read config, build dependencies, wire them, serve. Logic lives in packages.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { SessionSealer } from "@slipway/auth";
import { githubSettingsOf, readConfigOrExit, runApp } from "@slipway/config";
import { createDb } from "@slipway/db";
import { EventBus } from "@slipway/events";
import { OctokitGithubClient } from "@slipway/github";
import { RepositoryAllowList, SignatureVerifier } from "@slipway/ingest";
import { createLogger } from "@slipway/logger";
import { MaintenanceLoop } from "@slipway/maintenance";
import { loadTokenSigner } from "@slipway/registry-auth";
import { createOutboxHandlers, createProducers, createRedis, OutboxRelay } from "@slipway/queue";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { loadApiConfig } from "./config";
import { maintenanceTasks } from "./maintenance-tasks";
import { buildServer } from "./server";

runApp("api", async () => {
  const config = readConfigOrExit("api", loadApiConfig, process.env);
  const logger = createLogger({ name: "api", level: config.LOG_LEVEL });
  const db = createDb({ databaseUrl: config.DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, "producer");
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const producers = createProducers(redis, {
    build: { attempts: config.SLIPWAY_BUILD_ATTEMPTS, backoffMs: config.SLIPWAY_BUILD_BACKOFF_MS },
  });
  const relay = new OutboxRelay({
    db,
    logger: logger.child({ component: "outbox-relay" }),
    handlers: createOutboxHandlers(producers),
    pollIntervalMs: config.SLIPWAY_OUTBOX_POLL_MS,
  });
  const allowList = new RepositoryAllowList(config.SLIPWAY_ALLOWED_OWNERS);
  if (allowList.allowsAll)
    logger.warn("SLIPWAY_ALLOWED_OWNERS is not set: any repository whose push is signed with the webhook secret can queue builds");
  const registryAuth =
    config.SLIPWAY_REGISTRY_SECRET && config.SLIPWAY_REGISTRY_TOKEN_KEY && config.SLIPWAY_REGISTRY_TOKEN_CERT
      ? {
          secret: config.SLIPWAY_REGISTRY_SECRET,
          signer: loadTokenSigner(config.SLIPWAY_REGISTRY_TOKEN_KEY, config.SLIPWAY_REGISTRY_TOKEN_CERT),
        }
      : undefined;
  if (!registryAuth) logger.warn("SLIPWAY_REGISTRY_SECRET is not set: the internal registry's token service is off");
  if (!config.SLIPWAY_SESSION_KEY)
    logger.warn("SLIPWAY_SESSION_KEY is not set: dashboard sessions use a key made at start and end when the api restarts");
  if (!config.SLIPWAY_SECRET_KEY) logger.warn("SLIPWAY_SECRET_KEY is not set: registry credentials and build secrets cannot be stored");
  const githubSettings = githubSettingsOf(config);
  const github = githubSettings ? new OctokitGithubClient(githubSettings) : undefined;
  const app = await buildServer({
    db,
    redis,
    logger,
    events: new EventBus(redis, logger.child({ component: "events" })),
    queues: { producers, prefix: "slipway" },
    verifier: new SignatureVerifier(config.SLIPWAY_WEBHOOK_SECRET),
    allowList,
    acceptRenames: config.SLIPWAY_ACCEPT_RENAMES,
    forkPullRequests: config.SLIPWAY_FORK_PULL_REQUESTS,
    reportToGithub: github !== undefined,
    git: {
      baseUrl: config.SLIPWAY_GIT_BASE_URL,
      protocols: config.SLIPWAY_GIT_PROTOCOLS,
      ...(github ? { token: (fullName: string) => github.gitToken(fullName) } : {}),
    },
    logStreams: { perToken: config.SLIPWAY_LOG_STREAMS_PER_TOKEN, max: config.SLIPWAY_LOG_STREAMS_MAX },
    ...(registryAuth ? { registryAuth } : {}),
    ...(config.SLIPWAY_SECRET_KEY ? { secrets: new SecretStore(db, new SecretBox(config.SLIPWAY_SECRET_KEY)) } : {}),
    maxLargeWebhookBodies: config.SLIPWAY_WEBHOOK_LARGE_BODIES,
    ingestMaxPending: config.SLIPWAY_INGEST_MAX_PENDING,
    ingestMaxPendingBytes: config.SLIPWAY_INGEST_MAX_PENDING_BYTES,
    bootstrapToken: config.SLIPWAY_API_TOKEN,
    sessions: new SessionSealer(config.SLIPWAY_SESSION_KEY ?? randomBytes(32).toString("hex"), config.SLIPWAY_SESSION_HOURS * 3600_000),
    dashboardDir: config.SLIPWAY_DASHBOARD_DIR ?? fileURLToPath(new URL("../../dashboard/dist", import.meta.url)),
    rateLimit: {
      perTokenPerMin: config.SLIPWAY_RATE_LIMIT_PER_MIN,
      anonPerMin: config.SLIPWAY_RATE_LIMIT_ANON_PER_MIN,
      keyPrefix: "slipway:ratelimit:",
    },
    trustProxy: config.SLIPWAY_TRUST_PROXY,
    onBuildStored: () => relay.kick(),
  });
  relay.start();
  const maintenance = new MaintenanceLoop({
    db,
    logger: logger.child({ component: "maintenance" }),
    holder: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
    tickMs: config.SLIPWAY_MAINTENANCE_TICK_MS,
    tasks: maintenanceTasks(config, { db, producers, logger, github }),
  });
  maintenance.start();
  await app.listen({ port: config.PORT, host: config.HOST });

  return async () => {
    await app.close();
    await maintenance.stop();
    await relay.stop();
    await producers.close();
    redis.disconnect();
    await db.$disconnect();
  };
});
