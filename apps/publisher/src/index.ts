// The publisher process: read config, build dependencies, consume the publish queue.
import { readConfigOrExit, runApp } from "@slipway/config";
import { createDb } from "@slipway/db";
import { EventBus } from "@slipway/events";
import { createLogger } from "@slipway/logger";
import { internalRegistryLogin, PublishWorker } from "@slipway/publisher";
import { createRedis } from "@slipway/queue";
import { PublishAccess } from "@slipway/registry-credentials";
import { SecretBox, SecretStore } from "@slipway/secrets";
import { loadPublisherConfig } from "./config";

runApp("publisher", async () => {
  const config = readConfigOrExit("publisher", loadPublisherConfig, process.env);
  const logger = createLogger({ name: "publisher", level: config.LOG_LEVEL });
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 5 });
  const connection = createRedis(config.REDIS_URL, "worker");
  const logRedis = createRedis(config.REDIS_URL, "producer");
  for (const r of [connection, logRedis]) r.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  if (!config.SLIPWAY_SECRET_KEY) logger.warn("SLIPWAY_SECRET_KEY is not set: stored registry credentials cannot be read; only SLIPWAY_PUBLIC_PUBLISH_HOSTS can be published to");
  const worker = new PublishWorker(
    {
      db,
      redis: logRedis,
      logger,
      events: new EventBus(logRedis, logger.child({ component: "events" })),
      internalRegistry: config.SLIPWAY_REGISTRY,
      ...(config.SLIPWAY_REGISTRY_SECRET ? { internalLogin: internalRegistryLogin(config.SLIPWAY_REGISTRY_SECRET, config.SLIPWAY_REGISTRY) } : {}),
      access: new PublishAccess({
        ...(config.SLIPWAY_SECRET_KEY ? { secrets: new SecretStore(db, new SecretBox(config.SLIPWAY_SECRET_KEY)) } : {}),
        publicHosts: config.SLIPWAY_PUBLIC_PUBLISH_HOSTS,
      }),
    },
    { connection, concurrency: config.SLIPWAY_PUBLISH_CONCURRENCY },
  );
  logger.info({ registry: config.SLIPWAY_REGISTRY, publicPublishHosts: config.SLIPWAY_PUBLIC_PUBLISH_HOSTS }, "publisher started");

  return async () => {
    await worker.close();
    connection.disconnect();
    logRedis.disconnect();
    await db.$disconnect();
  };
});
