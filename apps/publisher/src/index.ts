// The publisher process: read config, build dependencies, consume the publish queue.
import { githubSettingsOf, readConfigOrExit, runApp } from "@slipway/config";
import { createDb } from "@slipway/db";
import { EventBus } from "@slipway/events";
import { createLogger } from "@slipway/logger";
import { internalRegistryLogin, PublishWorker } from "@slipway/publisher";
import { OctokitGithubClient, ReportWorker } from "@slipway/github";
import { createOutboxHandlers, createProducers, createRedis, OutboxRelay } from "@slipway/queue";
import { PublishAccess } from "@slipway/registry-credentials";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { loadPublisherConfig } from "./config";

runApp("publisher", async () => {
  const config = readConfigOrExit("publisher", loadPublisherConfig, process.env);
  const logger = createLogger({ name: "publisher", level: config.LOG_LEVEL });
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 5 });
  const connection = createRedis(config.REDIS_URL, "worker");
  const logRedis = createRedis(config.REDIS_URL, "producer");
  const reportConnection = createRedis(config.REDIS_URL, "worker");
  const githubSettings = githubSettingsOf(config);
  for (const r of [connection, logRedis, reportConnection])
    r.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  if (!config.SLIPWAY_SECRET_KEY)
    logger.warn(
      "SLIPWAY_SECRET_KEY is not set: stored registry credentials cannot be read; only SLIPWAY_PUBLIC_PUBLISH_HOSTS can be published to",
    );
  const worker = new PublishWorker(
    {
      db,
      redis: logRedis,
      logger,
      events: new EventBus(logRedis, logger.child({ component: "events" })),
      internalRegistry: config.SLIPWAY_REGISTRY,
      ...(config.SLIPWAY_REGISTRY_SECRET
        ? { internalLogin: internalRegistryLogin(config.SLIPWAY_REGISTRY_SECRET, config.SLIPWAY_REGISTRY) }
        : {}),
      access: new PublishAccess({
        ...(config.SLIPWAY_SECRET_KEY ? { secrets: new SecretStore(db, new SecretBox(config.SLIPWAY_SECRET_KEY)) } : {}),
        publicHosts: config.SLIPWAY_PUBLIC_PUBLISH_HOSTS,
      }),
      reportToGithub: githubSettings !== undefined,
    },
    { connection, concurrency: config.SLIPWAY_PUBLISH_CONCURRENCY },
  );
  // The GitHub reporter (the stage that reports back), and a relay for the publish outcomes'
  // outbox rows so reports do not wait on another process's relay.
  const reporter = githubSettings
    ? new ReportWorker(
        {
          db,
          github: new OctokitGithubClient(githubSettings),
          logger: logger.child({ component: "github-reporter" }),
          publicUrl: config.SLIPWAY_PUBLIC_URL,
        },
        { connection: reportConnection },
      )
    : undefined;
  const producers = createProducers(logRedis);
  const relay = new OutboxRelay({ db, logger: logger.child({ component: "outbox-relay" }), handlers: createOutboxHandlers(producers) });
  relay.start();
  worker.worker.on("completed", () => relay.kick());
  if (!githubSettings)
    logger.warn("GitHub is not configured (SLIPWAY_GITHUB_TOKEN or SLIPWAY_GITHUB_APP_*): nothing is reported to GitHub");
  else if (!config.SLIPWAY_PUBLIC_URL) logger.warn("SLIPWAY_PUBLIC_URL is not set: GitHub checks and statuses get no link to the build");
  logger.info(
    {
      registry: config.SLIPWAY_REGISTRY,
      publicPublishHosts: config.SLIPWAY_PUBLIC_PUBLISH_HOSTS,
      github: githubSettings?.auth.kind ?? "off",
    },
    "publisher started",
  );

  return async () => {
    await worker.close();
    await reporter?.close();
    await relay.stop();
    await producers.close();
    reportConnection.disconnect();
    connection.disconnect();
    logRedis.disconnect();
    await db.$disconnect();
  };
});
