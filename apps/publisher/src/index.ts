// The publisher process: read config, build dependencies, consume the publish queue.
import { readConfigOrExit, runApp } from "@slipway/config";
import { createDb } from "@slipway/db";
import { EventBus } from "@slipway/events";
import { createLogger } from "@slipway/logger";
import { internalRegistryLogin, PublishWorker } from "@slipway/publisher";
import { createRedis } from "@slipway/queue";
import { RegistryClient } from "@slipway/registry";
import { loadPublisherConfig } from "./config";

runApp("publisher", async () => {
  const config = readConfigOrExit("publisher", loadPublisherConfig, process.env);
  const logger = createLogger({ name: "publisher", level: config.LOG_LEVEL });
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 5 });
  const connection = createRedis(config.REDIS_URL, "worker");
  const logRedis = createRedis(config.REDIS_URL, "producer");
  for (const r of [connection, logRedis]) r.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const worker = new PublishWorker(
    {
      db,
      redis: logRedis,
      logger,
      events: new EventBus(logRedis, logger.child({ component: "events" })),
      registry: new RegistryClient(config.SLIPWAY_REGISTRY_SECRET ? { credentials: internalRegistryLogin(config.SLIPWAY_REGISTRY_SECRET, config.SLIPWAY_REGISTRY) } : {}),
      internalRegistry: config.SLIPWAY_REGISTRY,
    },
    { connection, concurrency: config.SLIPWAY_PUBLISH_CONCURRENCY },
  );
  logger.info({ registry: config.SLIPWAY_REGISTRY }, "publisher started");

  return async () => {
    await worker.close();
    connection.disconnect();
    logRedis.disconnect();
    await db.$disconnect();
  };
});
