// Vitest global setup: migrate a template database once; every test file copies it.
import { fileURLToPath } from "node:url";
import { deployMigrations } from "@slipway/db/migrate";
import { pushBusyboxBaseImage } from "./base-image";
import { adminQuery, withDatabase } from "./databases";
import { testEnv } from "./test-env";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export default async function setup(): Promise<void> {
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
  pushBusyboxBaseImage({ ...process.env, DOCKER_HOST: testEnv.dockerHost }, testEnv.registry);
}
