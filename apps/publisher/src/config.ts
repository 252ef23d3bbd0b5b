import { loadConfig, zDatabaseUrl, zLogLevel, zPositiveInt, zRedisUrl, zRegistryHost } from "@slipway/config";
import { z } from "zod";

/** The publisher's configuration. */
const ZPublisherConfig = z.object({
  DATABASE_URL: zDatabaseUrl,
  REDIS_URL: zRedisUrl,
  /** internal registry host:port @defaultValue 127.0.0.1:5000 */
  SLIPWAY_REGISTRY: zRegistryHost,
  /** publishes at once @defaultValue 2 */
  SLIPWAY_PUBLISH_CONCURRENCY: zPositiveInt(2),
  LOG_LEVEL: zLogLevel,
});

export const loadPublisherConfig = (env: Record<string, string | undefined>) => loadConfig(ZPublisherConfig, env);
