// The one place test code reads process.env: the services infra/test.sh started.

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests through \`npm test\` (infra/test.sh starts the services)`);
  return v;
}

export const testEnv = {
  /** a PostgreSQL role with CREATEDB; tests make their own databases */
  get adminDatabaseUrl() {
    return required("SLIPWAY_TEST_ADMIN_DATABASE_URL");
  },
  /** the shared test Redis; tests isolate by key prefix */
  get redisUrl() {
    return required("REDIS_URL");
  },
  get dockerHost() {
    return required("DOCKER_HOST");
  },
  /** a second, independent Docker daemon: another build host, cold local cache */
  get dockerHostB() {
    return required("SLIPWAY_TEST_DOCKER_HOST_B");
  },
  get registry() {
    return required("SLIPWAY_REGISTRY");
  },
  /** service log level inside tests (SLIPWAY_TEST_LOG_LEVEL) @defaultValue "silent" */
  get logLevel(): "silent" | "error" | "warn" | "info" | "debug" {
    const v = process.env.SLIPWAY_TEST_LOG_LEVEL;
    return v === "error" || v === "warn" || v === "info" || v === "debug" ? v : "silent";
  },
  /** the migrated template test databases are copied from; runs sharing one PostgreSQL at
   * once (several checkouts) each set their own @defaultValue "slipway_test_template" */
  get templateDb() {
    const v = process.env.SLIPWAY_TEST_TEMPLATE_DB ?? "slipway_test_template";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) throw new Error("SLIPWAY_TEST_TEMPLATE_DB must be a lowercase SQL identifier");
    return v;
  },
  /** RUN network of test builds: "default" (the walled-off bridge infra/services.sh gives each
   * daemon it starts) unless SLIPWAY_TEST_BUILD_NETWORK says otherwise @defaultValue "default" */
  get buildNetwork(): "default" | "host" | "none" {
    const v = process.env.SLIPWAY_TEST_BUILD_NETWORK;
    return v === "host" || v === "none" ? v : "default";
  },
  /** signs internal-registry credentials (infra/services.sh makes it) */
  get registrySecret() {
    return required("SLIPWAY_REGISTRY_SECRET");
  },
  get registryTokenKey() {
    return required("SLIPWAY_REGISTRY_TOKEN_KEY");
  },
  get registryTokenCert() {
    return required("SLIPWAY_REGISTRY_TOKEN_CERT");
  },
  /** where the global setup serves the internal registry's token realm */
  get registryAuthPort() {
    return Number(required("SLIPWAY_TEST_REGISTRY_AUTH_PORT"));
  },
  /** a second registry: the tests' publish target */
  get publishRegistry() {
    return required("SLIPWAY_TEST_PUBLISH_REGISTRY");
  },
};
