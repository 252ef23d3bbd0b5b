import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { MigrationDirectory, MigrationList } from "@prisma/schema-engine-wasm";

export const MIGRATION_LOCK_FILE = "migration_lock.toml";
const MIGRATION_SCRIPT_FILE = "migration.sql";

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Reads a Prisma migrations folder (`<dir>/<timestamp>_<name>/migration.sql` plus
 * `<dir>/migration_lock.toml`) into the `migrationsList` the schema engine expects.
 * Migration folders are sorted by name; a missing folder reads as "no migrations yet".
 * A folder without a readable migration.sql is passed on as an error entry, so the engine
 * reports it with the migration's name.
 */
export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const baseDir = resolve(migrationsDir);
  let names: string[] = [];
  try {
    const entries = await readdir(baseDir, { withFileTypes: true });
    names = entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
      .map((entry) => entry.name)
      .sort();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }

  const migrationDirectories = await Promise.all(
    names.map(async (name): Promise<MigrationDirectory> => {
      const scriptPath = join(baseDir, name, MIGRATION_SCRIPT_FILE);
      try {
        const value = await readFile(scriptPath, "utf8");
        return { path: name, migrationFile: { path: MIGRATION_SCRIPT_FILE, content: { tag: "ok", value } } };
      } catch (err) {
        const reason = isNotFound(err) ? `${scriptPath} does not exist` : String((err as Error).message);
        return { path: name, migrationFile: { path: MIGRATION_SCRIPT_FILE, content: { tag: "error", value: reason } } };
      }
    }),
  );

  return {
    baseDir,
    lockfile: { path: MIGRATION_LOCK_FILE, content: await readOptional(join(baseDir, MIGRATION_LOCK_FILE)) },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}
