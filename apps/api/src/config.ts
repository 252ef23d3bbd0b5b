import { isIP } from "node:net";
import { buildRetryFields, loadConfig, zDatabaseUrl, zDockerHost, zLogLevel, zPort, zPositiveInt, zRedisUrl, zRegistryHost, zSecret } from "@slipway/config";
import { z } from "zod";

const PROXY_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);
const isProxyAddress = (v: string) => PROXY_NAMES.has(v) || isIP(v.split("/")[0] ?? "") !== 0;

/**
 * Which X-Forwarded-For hops to believe: "false" (none: the client is the socket's peer), a
 * hop count, or the proxies' addresses/CIDRs. "true" is refused: it would believe any
 * client's own X-Forwarded-For, and so let it pick its rate-limit bucket.
 */
const zTrustProxy = z
  .preprocess((v) => (v === "" || v === undefined ? "false" : v), z.string())
  .pipe(
    z.string().refine(
      (v) => v === "false" || /^[1-9]\d{0,1}$/.test(v) || v.split(",").every((a) => isProxyAddress(a.trim())),
      'must be "false", a hop count (1-99), or proxy addresses/CIDRs separated by commas ("true" is not accepted: it trusts any client\'s X-Forwarded-For)',
    ),
  )
  .transform((v): false | number | string[] => (v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v.split(",").map((a) => a.trim())));

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
  /** /api/v1 requests per minute per API token, shared by every api replica @defaultValue 600 */
  SLIPWAY_RATE_LIMIT_PER_MIN: zPositiveInt(600),
  /** /api/v1 requests per minute per client address without a valid token @defaultValue 60 */
  SLIPWAY_RATE_LIMIT_ANON_PER_MIN: zPositiveInt(60),
  /** reverse proxies whose X-Forwarded-For is believed (see zTrustProxy) @defaultValue false */
  SLIPWAY_TRUST_PROXY: zTrustProxy,
  ...buildRetryFields,
  LOG_LEVEL: zLogLevel,
});

export const loadApiConfig = (env: Record<string, string | undefined>) => loadConfig(ZApiConfig, env);

/** `npm run token`: only the database. */
const ZTokenCliConfig = z.object({ DATABASE_URL: zDatabaseUrl });

export const loadTokenCliConfig = (env: Record<string, string | undefined>) => loadConfig(ZTokenCliConfig, env);
