// The api process: read config, build dependencies, wire them, serve. Logic lives in packages.
import { ConfigError } from "@slipway/config";
import { createDb } from "@slipway/db";
import { SignatureVerifier } from "@slipway/ingest";
import { createLogger } from "@slipway/logger";
import { createOutboxHandlers, createProducers, createRedis, OutboxRelay } from "@slipway/queue";
import { loadApiConfig, type ApiConfig } from "./config";
import { buildServer } from "./server";

function readConfig(): ApiConfig {
  try {
    return loadApiConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`slipway api: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ name: "api", level: config.LOG_LEVEL });
  const db = createDb({ databaseUrl: config.DATABASE_URL });
  const redis = createRedis(config.REDIS_URL, "producer");
  redis.on("error", (err) => logger.warn({ err: err.message }, "redis connection error"));
  const producers = createProducers(redis, { build: { attempts: config.SLIPWAY_BUILD_ATTEMPTS, backoffMs: config.SLIPWAY_BUILD_BACKOFF_MS } });
  const relay = new OutboxRelay({
    db,
    logger: logger.child({ component: "outbox-relay" }),
    handlers: createOutboxHandlers(producers),
    pollIntervalMs: config.SLIPWAY_OUTBOX_POLL_MS,
  });
  const app = await buildServer({
    db,
    redis,
    logger,
    verifier: new SignatureVerifier(config.SLIPWAY_WEBHOOK_SECRET),
    bootstrapToken: config.SLIPWAY_API_TOKEN,
    onBuildStored: () => relay.kick(),
  });
  relay.start();
  await app.listen({ port: config.PORT, host: config.HOST });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, "shutting down");
    await app.close();
    await relay.stop();
    await producers.close();
    redis.disconnect();
    await db.$disconnect();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`slipway api: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
