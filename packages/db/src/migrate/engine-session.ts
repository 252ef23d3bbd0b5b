import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaContainer, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";
import { createMigrationAdapterFactory } from "./adapter-factory";
import { checkConnection } from "./check-connection";
import { describeDatabaseUrl } from "./describe-database-url";
import { loadEngine } from "./load-engine";
import { MigrateError } from "./migrate-error";
import { readMigrations } from "./read-migrations";
import { isWasmPanic, toMigrateError } from "./to-migrate-error";

export interface EngineSessionOptions {
  /** postgresql://user:password@host:port/database (the public schema is migrated) */
  databaseUrl: string;
  /** The Prisma schema file (prisma/schema.prisma). */
  schemaPath: string;
  /** The migrations folder (prisma/migrations). */
  migrationsDir: string;
  /** Progress and engine messages, one line each. */
  log?: (message: string) => void;
}

export interface EngineSession {
  engine: SchemaEngine;
  /** The Prisma schema file, as the engine's `schema.files` wants it. */
  schemaFiles: SchemaContainer[];
  /** The migrations folder, absolute. */
  migrationsDir: string;
  /** Reads the migrations folder (again: after writing a migration). */
  readMigrations(): Promise<MigrationList>;
  filters: SchemaFilter;
  log: (message: string) => void;
}

interface EngineLogLine {
  level?: string;
  fields?: { message?: string };
}

/** Forwards the engine's JSON log lines (info and above) as plain text. */
function engineLogger(log: (message: string) => void): (line: unknown) => void {
  return (line) => {
    try {
      const parsed = JSON.parse(String(line)) as EngineLogLine;
      const level = (parsed.level ?? "INFO").toUpperCase();
      if (level === "TRACE" || level === "DEBUG") return;
      const message = parsed.fields?.message;
      if (message) log(`engine ${level.toLowerCase()}: ${message}`);
    } catch {
      log(`engine: ${String(line).trim()}`);
    }
  };
}

/**
 * Runs `fn` with a schema engine connected to the database (and able to create shadow
 * databases), then frees the engine and closes every connection, also on failure. Errors
 * come out as MigrateError with a one-line message.
 */
export async function withEngineSession<T>(options: EngineSessionOptions, fn: (session: EngineSession) => Promise<T>): Promise<T> {
  const log = options.log ?? (() => {});
  const schemaPath = resolve(options.schemaPath);
  const migrationsDir = resolve(options.migrationsDir);
  let panicMessage: (() => string | undefined) | undefined;
  try {
    const target = describeDatabaseUrl(options.databaseUrl);
    let schemaText: string;
    try {
      schemaText = await readFile(schemaPath, "utf8");
    } catch (err) {
      throw new MigrateError(`cannot read the Prisma schema ${schemaPath}: ${(err as Error).message}`, "schema-file", { cause: err });
    }
    await checkConnection(options.databaseUrl, target);

    const loaded = await loadEngine();
    panicMessage = () => loaded.takePanicMessage();
    const factory = createMigrationAdapterFactory(options.databaseUrl, { log });
    let engine: SchemaEngine | undefined;
    try {
      log(`schema engine ${loaded.version}, database ${target.database} at ${target.address}`);
      engine = await loaded.glue.SchemaEngine.new(
        { datamodels: [[schemaPath, schemaText]] },
        engineLogger(log),
        bindMigrationAwareSqlAdapterFactory(factory),
      );
      return await fn({
        engine,
        schemaFiles: [{ path: schemaPath, content: schemaText }],
        migrationsDir,
        readMigrations: () => readMigrations(migrationsDir),
        filters: { externalTables: [], externalEnums: [] },
        log,
      });
    } catch (err) {
      if (isWasmPanic(err)) loaded.poison(); // never reuse an instance that panicked
      throw err;
    } finally {
      try {
        engine?.free();
      } catch {
        // an instance that panicked may fail to free; it is discarded anyway
      }
      // Not thrown: it would hide the outcome of the work itself.
      await factory.dispose().catch((err: unknown) => log(`cleanup failed: ${(err as Error).message}`));
    }
  } catch (err) {
    throw toMigrateError(err, panicMessage?.());
  }
}
