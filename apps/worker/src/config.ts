import {
  buildkitFields,
  buildkitTlsProblem,
  ConfigError,
  buildRetryFields,
  checkBuildkitFields,
  zBool,
  checkGithubFields,
  githubFields,
  loadConfig,
  zDatabaseUrl,
  zDockerHost,
  zLogLevel,
  zIntBetween,
  zPositiveInt,
  zRedisUrl,
  zRegistryHost,
  zSecret,
  zSecretKey,
  gitFields,
} from "@slipway/config";
import { mirrorRetentionFields } from "@slipway/retention";
import { z } from "zod";

/** The build worker's configuration. */
const ZWorkerConfig = z.object({
  DATABASE_URL: zDatabaseUrl,
  REDIS_URL: zRedisUrl,
  /** internal registry host:port @defaultValue 127.0.0.1:5000 */
  SLIPWAY_REGISTRY: zRegistryHost,
  /** the Docker daemon builds run on; unset: the docker CLI's default */
  DOCKER_HOST: zDockerHost,
  /** this worker's id @defaultValue <hostname>-<pid> */
  SLIPWAY_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,100}$/, "letters, digits, . _ - only")
    .optional(),
  /** the build host label recorded on builds @defaultValue the machine's hostname; with
   * SLIPWAY_BUILDKIT_ENDPOINT, the host of the endpoint this worker builds on */
  SLIPWAY_BUILD_HOST: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional()),
  ...buildkitFields,
  /** RUN network for every build. Part of BuildKit's cache key: use the same value on every
   * worker. "default" puts RUN steps on the daemon's bridge, which `npm run farm` makes and
   * walls off from the host (see SECURITY.md, "Builds cannot reach the farm"); "host"
   * lets a Dockerfile reach every service on the machine, so the worker warns about it;
   * "none" gives RUN steps no network @defaultValue default */
  SLIPWAY_BUILD_NETWORK: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.enum(["host", "none", "default"], { error: "must be host, none or default" }).default("default"),
  ),
  ...gitFields,
  /** signs each build's internal-registry credential (the api's SLIPWAY_REGISTRY_SECRET).
   * Unset: builds get no credential (the registry must then have no auth) */
  SLIPWAY_REGISTRY_SECRET: zSecret(32).optional(),
  /** the encrypted secret store's key (the api's value); unset: stored secrets cannot be read */
  SLIPWAY_SECRET_KEY: zSecretKey.optional(),
  /** internal-registry repositories every build may pull (base images), comma-separated
   * names or prefixes ending in /* @defaultValue base/* */
  SLIPWAY_REGISTRY_BASE_PATHS: z
    .preprocess((v) => (v === undefined || v === "" ? "base/*" : v), z.string())
    .transform((v) =>
      v
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(\/\*)?$/,
              "each must be a repository name or a prefix ending in /* (e.g. base/*)",
            ),
        )
        .max(16, "name at most 16 base paths")
        .refine(
          (paths) => !paths.some((p) => p === "github/*" || p.startsWith("github/")),
          "github/... holds the repositories' own images: not a base path",
        ),
    ),
  /** build timeout in minutes @defaultValue 60 */
  SLIPWAY_BUILD_TIMEOUT_MIN: zPositiveInt(60),
  /** the most one build attempt's stored log may hold, MiB (UTF-8 bytes): past it the build
   * goes on, its output is no longer kept and one line says so. At most 1024: stored line
   * numbers are 32-bit, and 1 GiB of lines (2+ bytes each) stays below 2^31 @defaultValue 64 */
  SLIPWAY_BUILD_LOG_MAX_MB: zPositiveInt(64).pipe(z.number().max(1024, "must be at most 1024")),
  /** builds at once per worker process @defaultValue 1 */
  SLIPWAY_WORKER_CONCURRENCY: zPositiveInt(1),
  /** a build of a commit and config already built reuses that image instead of running
   * BuildKit (a tag pushed on a built commit publishes at once); false: every build runs
   * @defaultValue true */
  SLIPWAY_COALESCE: zBool(true),
  /** only an image built this many days ago or less is reused; an older commit is built again
   * (with the base images of today) @defaultValue 7 */
  SLIPWAY_COALESCE_MAX_AGE_DAYS: zPositiveInt(7),
  /** cache-aware routing: a build waits this long (ms) for a host that built its repository
   * recently (its layers are local) while such a host is up, counted from when it was queued;
   * then any host takes it. 0: a worker never gives a build back (routing off; where builds
   * ran is still recorded) @defaultValue 10000 */
  SLIPWAY_ROUTE_WAIT_MS: zIntBetween(0, 120_000, 10_000),
  /** a host that ran BuildKit for a repository within this many hours is preferred for its
   * builds @defaultValue 24 */
  SLIPWAY_ROUTE_AFFINITY_HOURS: zIntBetween(1, 24 * 30, 24),
  /** git mirrors and scratch folders @defaultValue /var/cache/slipway/worker */
  SLIPWAY_WORKER_CACHE_DIR: z.string().min(1).default("/var/cache/slipway/worker"),
  /** git mirrors no build used for this long are removed (at start, then daily) */
  ...mirrorRetentionFields,
  /** on SIGTERM/SIGINT, how long running builds may finish before they are stopped and
   * queued again for another worker, seconds @defaultValue 10 */
  SLIPWAY_SHUTDOWN_GRACE_S: zPositiveInt(10),
  /** how long a worker's hold on a build job lasts without renewal, ms: a worker that dies
   * (SIGKILL, host gone) gives its builds up to another worker after about this long @defaultValue 60000 */
  SLIPWAY_BUILD_LOCK_MS: zPositiveInt(60_000),
  ...buildRetryFields,
  /** GitHub credentials: fetch private repositories with an installation token or the PAT
   * (see README, "Connect a GitHub App"); and report each build's start and end */
  ...githubFields,
  LOG_LEVEL: zLogLevel,
});

const protocolOf = (url: string) => {
  try {
    return new URL(url).protocol.slice(0, -1);
  } catch {
    return undefined; // reported by the field itself
  }
};
const ZCheckedWorkerConfig = ZWorkerConfig.superRefine(checkGithubFields)
  .superRefine(checkBuildkitFields)
  .refine(
    (c) =>
      protocolOf(c.SLIPWAY_GIT_BASE_URL) === undefined || c.SLIPWAY_GIT_PROTOCOLS.includes(protocolOf(c.SLIPWAY_GIT_BASE_URL) as "https"),
    {
      message: "its protocol must be one of SLIPWAY_GIT_PROTOCOLS",
      path: ["SLIPWAY_GIT_BASE_URL"],
    },
  );

export const loadWorkerConfig = (env: Record<string, string | undefined>) => loadConfig(ZCheckedWorkerConfig, env);

/**
 * What the loader cannot tell from the environment alone, checked at the worker's start: the
 * TLS folder holds its files. A problem is a ConfigError naming the variable (exit 78).
 */
export function checkWorkerFiles<C extends { SLIPWAY_BUILDKIT_TLS_DIR?: string | undefined }>(config: C): C {
  const problem = buildkitTlsProblem(config.SLIPWAY_BUILDKIT_TLS_DIR);
  if (problem) throw new ConfigError([`SLIPWAY_BUILDKIT_TLS_DIR: ${problem}`]);
  return config;
}
