// The build worker process: read config, build dependencies, consume the build queue.
import { hostname } from "node:os";
import { join } from "node:path";
import { BuildWorker, createRemoteBuilder, endpointHost, remoteBuilderFor } from "@slipway/builder";
import { githubSettingsOf, readConfigOrExit, runApp } from "@slipway/config";
import { createDb } from "@slipway/db";
import { EventBus } from "@slipway/events";
import { OctokitGithubClient } from "@slipway/github";
import { createLogger } from "@slipway/logger";
import { createOutboxHandlers, createProducers, createRedis, OutboxRelay } from "@slipway/queue";
import { startWorkerRetention } from "@slipway/retention";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { checkWorkerFiles, loadWorkerConfig } from "./config";

runApp("worker", async () => {
  const config = readConfigOrExit("worker", (env) => checkWorkerFiles(loadWorkerConfig(env)), process.env);
  const workerId = config.SLIPWAY_WORKER_ID ?? `${config.SLIPWAY_BUILD_HOST ?? hostname()}-${process.pid}`;
  // A remote BuildKit builder, picked by the worker id; its host names the build host unless
  // SLIPWAY_BUILD_HOST does.
  const buildkit = config.SLIPWAY_BUILDKIT_ENDPOINT.length
    ? remoteBuilderFor({
        endpoints: config.SLIPWAY_BUILDKIT_ENDPOINT,
        workerId,
        cacheDir: config.SLIPWAY_WORKER_CACHE_DIR,
        ...(config.SLIPWAY_BUILDKIT_TLS_DIR ? { tlsDir: config.SLIPWAY_BUILDKIT_TLS_DIR } : {}),
      })
    : undefined;
  const buildHost = config.SLIPWAY_BUILD_HOST ?? (buildkit && endpointHost(buildkit.endpoint)) ?? hostname();
  const logger = createLogger({ name: "worker", level: config.LOG_LEVEL }).child({ workerId });
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 5 });
  const connection = createRedis(config.REDIS_URL, "worker");
  const subscriber = createRedis(config.REDIS_URL, "worker");
  const producerRedis = createRedis(config.REDIS_URL, "producer");
  for (const [name, r] of Object.entries({ connection, subscriber, producerRedis }))
    r.on("error", (err) => logger.warn({ err: err.message, connection: name }, "redis connection error"));
  // The worker relays its own outbox rows (publish after a build) so publishing does not
  // wait on the api; any relay may dispatch any row (SKIP LOCKED, idempotent job ids).
  const producers = createProducers(producerRedis, {
    build: { attempts: config.SLIPWAY_BUILD_ATTEMPTS, backoffMs: config.SLIPWAY_BUILD_BACKOFF_MS },
  });
  const relay = new OutboxRelay({ db, logger: logger.child({ component: "outbox-relay" }), handlers: createOutboxHandlers(producers) });
  relay.start();

  // git and docker get the environment without the farm's own keys and service URLs: they
  // need none of them, and buildx's environment also carries build secrets' values.
  const {
    SLIPWAY_SECRET_KEY: _key,
    SLIPWAY_REGISTRY_SECRET: _grant,
    DATABASE_URL: _db,
    REDIS_URL: _redis,
    SLIPWAY_API_TOKEN: _admin,
    SLIPWAY_WEBHOOK_SECRET: _hook,
    ...inherited
  } = process.env;
  const env: NodeJS.ProcessEnv = { ...inherited };
  if (config.DOCKER_HOST) env.DOCKER_HOST = config.DOCKER_HOST;
  // git and buildx run with `env`: GitHub's credentials stay in this process.
  for (const name of Object.keys(env)) if (name.startsWith("SLIPWAY_GITHUB_")) delete env[name];
  if (buildkit) {
    Object.assign(env, await createRemoteBuilder(buildkit, env));
    if (!buildkit.tlsDir && config.SLIPWAY_BUILDKIT_INSECURE)
      logger.warn(
        { buildkit: buildkit.endpoint },
        "SLIPWAY_BUILDKIT_INSECURE=true: the BuildKit endpoint is reached without TLS; anyone on that network can use the builder (root-equivalent)",
      );
  }
  // Before taking builds: a folder left by a killed worker is removed before this one adds its own.
  const stopRetention = await startWorkerRetention(logger.child({ component: "retention" }), {
    cacheDir: config.SLIPWAY_WORKER_CACHE_DIR,
    mirrorsDays: config.SLIPWAY_RETAIN_MIRRORS_DAYS,
  });
  const githubSettings = githubSettingsOf(config);
  const github = githubSettings ? new OctokitGithubClient(githubSettings) : undefined;
  const worker = new BuildWorker(
    {
      db,
      redis: producerRedis,
      logger,
      events: new EventBus(producerRedis, logger.child({ component: "events" })),
      ...(config.SLIPWAY_SECRET_KEY ? { secrets: new SecretStore(db, new SecretBox(config.SLIPWAY_SECRET_KEY)) } : {}),
      settings: {
        workerId,
        host: buildHost,
        registry: config.SLIPWAY_REGISTRY,
        network: config.SLIPWAY_BUILD_NETWORK,
        gitBaseUrl: config.SLIPWAY_GIT_BASE_URL,
        gitProtocols: config.SLIPWAY_GIT_PROTOCOLS,
        ...(config.SLIPWAY_REGISTRY_SECRET
          ? { registryAuth: { secret: config.SLIPWAY_REGISTRY_SECRET, basePaths: config.SLIPWAY_REGISTRY_BASE_PATHS } }
          : {}),
        cacheDir: config.SLIPWAY_WORKER_CACHE_DIR,
        workDir: join(config.SLIPWAY_WORKER_CACHE_DIR, "work"),
        timeoutMs: config.SLIPWAY_BUILD_TIMEOUT_MIN * 60_000,
        logMaxBytes: config.SLIPWAY_BUILD_LOG_MAX_MB * 1024 * 1024,
        coalesce: config.SLIPWAY_COALESCE,
        coalesceMaxAgeDays: config.SLIPWAY_COALESCE_MAX_AGE_DAYS,
        routeWaitMs: config.SLIPWAY_ROUTE_WAIT_MS,
        routeAffinityMs: config.SLIPWAY_ROUTE_AFFINITY_HOURS * 3600_000,
        env,
        ...(buildkit ? { buildkit } : {}),
        ...(github ? { gitToken: (fullName: string) => github.gitToken(fullName), reportToGithub: true } : {}),
      },
    },
    { connection, subscriber, concurrency: config.SLIPWAY_WORKER_CONCURRENCY, lockMs: config.SLIPWAY_BUILD_LOCK_MS },
  );
  worker.worker.on("completed", () => relay.kick());
  if (!config.SLIPWAY_REGISTRY_SECRET)
    logger.warn("SLIPWAY_REGISTRY_SECRET is not set: builds get no internal-registry credential, so that registry must be open to them");
  if (!config.SLIPWAY_SECRET_KEY)
    logger.warn("SLIPWAY_SECRET_KEY is not set: builds whose .slipway.yml lists secrets cannot run on this worker");
  if (config.SLIPWAY_BUILD_NETWORK === "host")
    logger.warn(
      "SLIPWAY_BUILD_NETWORK=host: RUN steps can reach every service on this machine (PostgreSQL, Redis, the registry); build only trusted code",
    );
  logger.info(
    {
      registry: config.SLIPWAY_REGISTRY,
      network: config.SLIPWAY_BUILD_NETWORK,
      github: github?.mode ?? "off",
      builder: buildkit ? { name: buildkit.name, endpoint: buildkit.endpoint, tls: buildkit.tlsDir !== undefined } : "docker",
      host: buildHost,
    },
    "build worker started",
  );

  return async () => {
    logger.info({ graceMs: config.SLIPWAY_SHUTDOWN_GRACE_S * 1000 }, "shutting down: waiting for running builds");
    stopRetention();
    await worker.close({ graceMs: config.SLIPWAY_SHUTDOWN_GRACE_S * 1000 });
    await relay.stop();
    await producers.close();
    for (const r of [connection, subscriber, producerRedis]) r.disconnect();
    await db.$disconnect();
  };
});
