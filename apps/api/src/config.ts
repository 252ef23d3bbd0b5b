import { buildRetryFields, loadConfig, zDatabaseUrl, zDockerHost, zLogLevel, zPort, zPositiveInt, zRedisUrl, zRegistryHost, zSecret } from "@slipway/config";
import { z } from "zod";

/** The api's configuration: every variable, its default, and what a bad value says. */
const ZApiConfig = z.object({
  /** listen port @defaultValue 8080 */
  PORT: zPort(8080),
  /** listen address @defaultValue 0.0.0.0 */
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: zDatabaseUrl,
  REDIS_URL: zRedisUrl,
  /** the secret configured on the GitHub webhook (at least 16 characters) */
  SLIPWAY_WEBHOOK_SECRET: zSecret(16),
  /** bootstrap admin API token (at least 20 characters) */
  SLIPWAY_API_TOKEN: zSecret(20),
  /** internal registry host:port @defaultValue 127.0.0.1:5000 */
  SLIPWAY_REGISTRY: zRegistryHost,
  DOCKER_HOST: zDockerHost,
  /** how often the outbox relay looks for undispatched builds, ms @defaultValue 1000 */
  SLIPWAY_OUTBOX_POLL_MS: zPositiveInt(1000),
  ...buildRetryFields,
  LOG_LEVEL: zLogLevel,
});

export const loadApiConfig = (env: Record<string, string | undefined>) => loadConfig(ZApiConfig, env);
