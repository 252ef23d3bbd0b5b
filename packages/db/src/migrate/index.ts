export { createMigration, deployMigrations, migrationStatus } from "./migrate";
export type { DeployResult, MigrateOptions, MigrationStatus } from "./migrate";
export { MigrateError } from "./migrate-error";
