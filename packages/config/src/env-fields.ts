import { z } from "zod";

// Building blocks for per-app config schemas. Each field documents its default.

const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

/** A TCP port, 0-65535. */
export const zPort = (defaultValue: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(0, "must be 0-65535")
      .max(65535, "must be 0-65535")
      .default(defaultValue),
  );

export const zPositiveInt = (defaultValue: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: "must be a number" }).int("must be a whole number").positive("must be > 0").default(defaultValue),
  );

/** A whole number from `min` to `max`. */
export const zIntBetween = (min: number, max: number, defaultValue: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(min, `must be ${min}-${max}`)
      .max(max, `must be ${min}-${max}`)
      .default(defaultValue),
  );

const urlWithProtocols = (protocols: string[], what: string) =>
  z.string({ error: "is required" }).refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a ${what} URL (${protocols.map((p) => `${p}//`).join(" or ")}...)`,
  );

/** `DATABASE_URL`: required. */
export const zDatabaseUrl = urlWithProtocols(["postgresql:", "postgres:"], "PostgreSQL");
/** `REDIS_URL`: required. */
export const zRedisUrl = urlWithProtocols(["redis:", "rediss:"], "Redis");

/** A secret: at least `min` characters. */
export const zSecret = (min: number) => z.string({ error: "is required" }).min(min, `must be at least ${min} characters`);

/** `SLIPWAY_SECRET_KEY`: the secret store's key, 32 bytes as 64 hex digits (openssl rand -hex 32). */
export const zSecretKey = z
  .string({ error: "is required" })
  .regex(/^[0-9a-fA-F]{64}$/, "must be 32 bytes as 64 hex digits (openssl rand -hex 32)");

/** `SLIPWAY_REGISTRY`: host[:port] of the internal registry, default 127.0.0.1:5000. */
export const zRegistryHost = z
  .preprocess(emptyToUndefined, z.string().default("127.0.0.1:5000"))
  .pipe(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be host[:port], e.g. 127.0.0.1:5000"));

/** `DOCKER_HOST`: optional, e.g. unix:///run/docker.sock or tcp://host:2375. */
export const zDockerHost = z.preprocess(emptyToUndefined, z.string().optional()).pipe(
  z
    .string()
    .regex(/^(unix|tcp|ssh|npipe):\/\/.+/, "must look like unix:///path/docker.sock or tcp://host:port")
    .optional(),
);

export const zLogLevel = z.preprocess(
  emptyToUndefined,
  z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
);

export const zBool = (defaultValue: boolean) =>
  z
    .preprocess(emptyToUndefined, z.enum(["true", "false", "1", "0"]).default(defaultValue ? "true" : "false"))
    .transform((v) => v === "true" || v === "1");

/**
 * Retry settings of the build queue, shared by every process that enqueues builds (api and
 * worker relays both dispatch outbox rows, so both must use the same values).
 */
export const buildRetryFields = {
  /** tries of a build attempt before an infrastructure failure fails it @defaultValue 3 */
  SLIPWAY_BUILD_ATTEMPTS: zPositiveInt(3),
  /** first retry delay after an infrastructure failure, ms (doubles each try) @defaultValue 10000 */
  SLIPWAY_BUILD_BACKOFF_MS: zPositiveInt(10_000),
};

/** A comma-separated list (entries trimmed, empty ones dropped); unset or empty: []. */
export const zCommaList = () =>
  z.preprocess(
    (v) =>
      v === undefined || v === ""
        ? []
        : String(v)
            .split(",")
            .map((e) => e.trim())
            .filter(Boolean),
    z.array(z.string()),
  );
