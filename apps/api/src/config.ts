import { buildRetryFields, loadConfig, zDatabaseUrl, zDockerHost, zLogLevel, zPort, zPositiveInt, zRedisUrl, zRegistryHost, zSecret } from "@slipway/config";
import { RepositoryAllowList } from "@slipway/ingest";
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
  /** repositories the farm builds for: comma-separated owners (`acme`) or `owner/repo`;
   * pushes from others are stored and answered 403. Unset: any repository (a warning at
   * start: anyone who learns the webhook secret can then queue builds) @defaultValue any */
  SLIPWAY_ALLOWED_OWNERS: z.preprocess((v) => (v === undefined || v === "" ? [] : String(v).split(",").map((e) => e.trim()).filter(Boolean)), z.array(z.string()))
    .superRefine((entries, ctx) => {
      try {
        new RepositoryAllowList(entries);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
      }
    }),
  /** webhook deliveries over 1 MiB read at once; more answer 503 with Retry-After before
   * their body is read (bounds the api's memory: GitHub allows 25 MB bodies) @defaultValue 4 */
  SLIPWAY_WEBHOOK_LARGE_BODIES: zPositiveInt(4),
  /** signs the internal registry's per-build credentials (32+ characters; the same value for
   * api, workers and publisher). Unset: the internal registry has no token auth */
  SLIPWAY_REGISTRY_SECRET: zSecret(32).optional(),
  /** PEM private key and self-signed certificate the registry token service signs with (the
   * registry's auth.token.rootcertbundle); required with SLIPWAY_REGISTRY_SECRET */
  SLIPWAY_REGISTRY_TOKEN_KEY: z.string().min(1).optional(),
  SLIPWAY_REGISTRY_TOKEN_CERT: z.string().min(1).optional(),
  /** how often the outbox relay looks for undispatched builds, ms @defaultValue 1000 */
  SLIPWAY_OUTBOX_POLL_MS: zPositiveInt(1000),
  ...buildRetryFields,
  LOG_LEVEL: zLogLevel,
});

const ZCheckedApiConfig = ZApiConfig.refine(
  (c) => (c.SLIPWAY_REGISTRY_SECRET === undefined) === (c.SLIPWAY_REGISTRY_TOKEN_KEY === undefined) && (c.SLIPWAY_REGISTRY_TOKEN_KEY === undefined) === (c.SLIPWAY_REGISTRY_TOKEN_CERT === undefined),
  { message: "set SLIPWAY_REGISTRY_SECRET, SLIPWAY_REGISTRY_TOKEN_KEY and SLIPWAY_REGISTRY_TOKEN_CERT together, or none of them", path: ["SLIPWAY_REGISTRY_SECRET"] },
);

export const loadApiConfig = (env: Record<string, string | undefined>) => loadConfig(ZCheckedApiConfig, env);
