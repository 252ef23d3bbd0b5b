// The publisher process: read config, build dependencies, consume the publish queue.
import { ConfigError } from "@slipway/config";
import { createDb } from "@slipway/db";
import { createLogger } from "@slipway/logger";
import { PublishWorker } from "@slipway/publisher";
import { createRedis } from "@slipway/queue";
import { RegistryClient } from "@slipway/registry";
import { loadPublisherConfig, type PublisherConfig } from "./config";

function readConfig(): PublisherConfig {
  try {
    return loadPublisherConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`slipway publisher: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ name: "publisher", level: config.LOG_LEVEL });
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 5 });
  const connection = createRedis(config.REDIS_URL, "worker");
  const logRedis = createRedis(config.REDIS_URL, "producer");
  for (const r of [connection, logRedis]) r.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const worker = new PublishWorker(
    { db, redis: logRedis, logger, registry: new RegistryClient(), internalRegistry: config.SLIPWAY_REGISTRY },
    { connection, concurrency: config.SLIPWAY_PUBLISH_CONCURRENCY },
  );
  logger.info({ registry: config.SLIPWAY_REGISTRY }, "publisher started");

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, "shutting down");
    await worker.close();
    connection.disconnect();
    logRedis.disconnect();
    await db.$disconnect();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`slipway publisher: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
