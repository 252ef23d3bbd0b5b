// The one place test code reads process.env: the services infra/test.sh started.

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through \`npm test\` (infra/test.sh starts the services)`);
  return v;
}

export const testEnv = {
  /** a PostgreSQL role with CREATEDB; tests make their own databases */
  get adminDatabaseUrl() { return required("SLIPWAY_TEST_ADMIN_DATABASE_URL"); },
  /** the shared test Redis; tests isolate by key prefix */
  get redisUrl() { return required("REDIS_URL"); },
  get dockerHost() { return required("DOCKER_HOST"); },
  /** a second, independent Docker daemon: another build host, cold local cache */
  get dockerHostB() { return required("SLIPWAY_TEST_DOCKER_HOST_B"); },
  get registry() { return required("SLIPWAY_REGISTRY"); },
  /** service log level inside tests (SLIPWAY_TEST_LOG_LEVEL) @defaultValue "silent" */
  get logLevel(): "silent" | "error" | "warn" | "info" | "debug" {
    const v = process.env.SLIPWAY_TEST_LOG_LEVEL;
    return v === "error" || v === "warn" || v === "info" || v === "debug" ? v : "silent";
  },
  /** a second registry: the tests' publish target */
  get publishRegistry() { return required("SLIPWAY_TEST_PUBLISH_REGISTRY"); },
};
