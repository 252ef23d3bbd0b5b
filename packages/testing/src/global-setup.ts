// Vitest global setup: migrate a template database once; every test file copies it.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { deployMigrations } from "@slipway/db/migrate";
import { pushBusyboxBaseImage } from "./base-image";
import { withRegistryLogin } from "./registry-login";
import { startRegistryTokenServer } from "./registry-token-server";
import { adminQuery, withDatabase } from "./databases";
import { testEnv } from "./test-env";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  // The internal registry's token realm, for the whole run (torn down by the returned function).
  const tokens = await startRegistryTokenServer();
  try {
    await prepare();
  } catch (err) {
    await tokens.close();
    throw err;
  }
  return () => tokens.close();
}

async function prepare(): Promise<void> {
  const admin = testEnv.adminDatabaseUrl;
  const TEMPLATE_DB = testEnv.templateDb;
  await adminQuery(admin, `DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await adminQuery(admin, `CREATE DATABASE ${TEMPLATE_DB}`);
  await deployMigrations({
    databaseUrl: withDatabase(admin, TEMPLATE_DB),
    schemaPath: `${root}prisma/schema.prisma`,
    migrationsDir: `${root}prisma/migrations`,
  });
  // Base images for build tests (no public registry is reachable).
  const env = await withRegistryLogin({ ...process.env, DOCKER_HOST: testEnv.dockerHost });
  try {
    await pushBusyboxBaseImage(env, testEnv.registry);
  } finally {
    rmSync(env.DOCKER_CONFIG!, { recursive: true, force: true });
  }
}
