import { isIP } from "node:net";
import {
  buildRetryFields,
  checkGithubFields,
  githubFields,
  loadConfig,
  zBool,
  zDatabaseUrl,
  zDockerHost,
  zLogLevel,
  zPort,
  zPositiveInt,
  zRedisUrl,
  zRegistryHost,
  zSecret,
  zSecretKey,
  gitFields,
  zCommaList,
} from "@slipway/config";
import { RepositoryAllowList } from "@slipway/ingest";
import { recordRetentionFields } from "@slipway/retention";
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
    z
      .string()
      .refine(
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
  /** repositories the farm builds for: comma-separated owners (`acme`) or `owner/repo`;
   * pushes from others are stored and answered 403. Unset: any repository (a warning at
   * start: anyone who learns the webhook secret can then queue builds) @defaultValue any */
  SLIPWAY_ALLOWED_OWNERS: zCommaList().superRefine((entries, ctx) => {
    try {
      new RepositoryAllowList(entries);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  }),
  /** live streams (SSE: build logs, events) one token may hold open on this api process @defaultValue 20 */
  SLIPWAY_LOG_STREAMS_PER_TOKEN: zPositiveInt(20),
  /** live streams (build logs, events) this api process holds open in all @defaultValue 500 */
  SLIPWAY_LOG_STREAMS_MAX: zPositiveInt(500),
  /** accept a webhook payload that renames a known repository id or re-creates a known name.
   * Off: refused with the reason (payloads are signed with a secret every repository shares,
   * so one repository could otherwise take over another's record, images and cache)
   * @defaultValue false */
  SLIPWAY_ACCEPT_RENAMES: zBool(false),
  /** which pull requests from forks build: "members" (authors GitHub calls OWNER, MEMBER or
   * COLLABORATOR), "all" (anyone who can open a pull request: on a public repository, anyone
   * on GitHub), or "none". Fork builds never get secrets and never publish @defaultValue members */
  SLIPWAY_FORK_PULL_REQUESTS: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(["members", "all", "none"], { error: "must be members, all or none" }).default("members"),
  ),
  /** webhook deliveries over 1 MiB read at once; more answer 503 with Retry-After before
   * their body is read (bounds the api's memory: GitHub allows 25 MB bodies) @defaultValue 4 */
  SLIPWAY_WEBHOOK_LARGE_BODIES: zPositiveInt(4),
  /** webhook deliveries waiting to be stored at once (they are stored by group commit); more
   * answer 503 with Retry-After before their body is read @defaultValue 2000 */
  SLIPWAY_INGEST_MAX_PENDING: zPositiveInt(2000),
  /** the declared sizes (Content-Length) of those deliveries together, in bytes: bounds the
   * memory they hold @defaultValue 268435456 (256 MiB) */
  SLIPWAY_INGEST_MAX_PENDING_BYTES: zPositiveInt(256 * 1024 * 1024),
  /** signs the internal registry's per-build credentials (32+ characters; the same value for
   * api, workers and publisher). Unset: the internal registry has no token auth */
  SLIPWAY_REGISTRY_SECRET: zSecret(32).optional(),
  /** the encrypted secret store's key (registry and GitHub credentials, build secrets).
   * Unset: nothing can be stored and routes that store secrets answer 503 */
  SLIPWAY_SECRET_KEY: zSecretKey.optional(),
  /** seals the dashboard's session cookies (32 bytes as 64 hex digits; the same value on every
   * api replica). Unset: a random key per start, so sessions end when the api restarts */
  SLIPWAY_SESSION_KEY: zSecretKey.optional(),
  /** how long a dashboard session lasts before signing in again, hours @defaultValue 12 */
  SLIPWAY_SESSION_HOURS: zPositiveInt(12),
  /** the dashboard's build folder served at / @defaultValue apps/dashboard/dist */
  SLIPWAY_DASHBOARD_DIR: z.string().min(1).optional(),
  /** PEM private key and self-signed certificate the registry token service signs with (the
   * registry's auth.token.rootcertbundle); required with SLIPWAY_REGISTRY_SECRET */
  SLIPWAY_REGISTRY_TOKEN_KEY: z.string().min(1).optional(),
  SLIPWAY_REGISTRY_TOKEN_CERT: z.string().min(1).optional(),
  /** how often the outbox relay looks for undispatched builds, ms @defaultValue 1000 */
  SLIPWAY_OUTBOX_POLL_MS: zPositiveInt(1000),
  /** how often the maintenance loop (reconcilers) runs in the api process holding its lease, ms @defaultValue 10000 */
  SLIPWAY_MAINTENANCE_TICK_MS: zPositiveInt(10_000),
  /** how long a build or publish stays queued, running or pending before the reconciler checks its job, ms @defaultValue 30000 */
  SLIPWAY_RECONCILE_GRACE_MS: zPositiveInt(30_000),
  /** with a GitHub App: the App webhook's deliveries of this many last hours that the farm
   * never stored (answered 5xx or not at all) are redelivered through GitHub's API, checked
   * every 5 minutes; 0: off. GitHub redelivers deliveries of the last 3 days only @defaultValue 6 */
  SLIPWAY_REDELIVER_HOURS: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(0, "must be 0-72").max(72, "must be 0-72").default(6),
  ),
  /** /api/v1 requests per minute per API token, shared by every api replica @defaultValue 600 */
  SLIPWAY_RATE_LIMIT_PER_MIN: zPositiveInt(600),
  /** /api/v1 requests per minute per client address without a valid token @defaultValue 60 */
  SLIPWAY_RATE_LIMIT_ANON_PER_MIN: zPositiveInt(60),
  /** reverse proxies whose X-Forwarded-For is believed (see zTrustProxy) @defaultValue false */
  SLIPWAY_TRUST_PROXY: zTrustProxy,
  ...buildRetryFields,
  /** GitHub credentials (see README, "Connect a GitHub App"); the api only needs to know
   * whether they are set: then every build it stores, retries or cancels is reported */
  ...githubFields,
  ...gitFields,
  /** retention of build logs, webhook payloads and outbox rows (see README, "Retention") */
  ...recordRetentionFields,
  LOG_LEVEL: zLogLevel,
});

const ZCheckedApiConfig = ZApiConfig.superRefine(checkGithubFields).refine(
  (c) =>
    (c.SLIPWAY_REGISTRY_SECRET === undefined) === (c.SLIPWAY_REGISTRY_TOKEN_KEY === undefined) &&
    (c.SLIPWAY_REGISTRY_TOKEN_KEY === undefined) === (c.SLIPWAY_REGISTRY_TOKEN_CERT === undefined),
  {
    message: "set SLIPWAY_REGISTRY_SECRET, SLIPWAY_REGISTRY_TOKEN_KEY and SLIPWAY_REGISTRY_TOKEN_CERT together, or none of them",
    path: ["SLIPWAY_REGISTRY_SECRET"],
  },
);

export const loadApiConfig = (env: Record<string, string | undefined>) => loadConfig(ZCheckedApiConfig, env);

/** `npm run secrets -- rotate-key`: the database, the key in use and the next one. */
const ZSecretsCliConfig = z.object({ DATABASE_URL: zDatabaseUrl, SLIPWAY_SECRET_KEY: zSecretKey, SLIPWAY_NEW_SECRET_KEY: zSecretKey });

export const loadSecretsCliConfig = (env: Record<string, string | undefined>) => loadConfig(ZSecretsCliConfig, env);

/** `npm run token`: only the database. */
const ZTokenCliConfig = z.object({ DATABASE_URL: zDatabaseUrl });

export const loadTokenCliConfig = (env: Record<string, string | undefined>) => loadConfig(ZTokenCliConfig, env);
export type ApiConfig = z.infer<typeof ZCheckedApiConfig>;
