// Integration tests of the offline migration runner against a real PostgreSQL.
// SLIPWAY_TEST_ADMIN_DATABASE_URL: a role with CREATEDB, e.g.
//   postgresql://slipway:slipway@127.0.0.1:35432/postgres
// Every test works in databases of its own (created here, dropped afterwards).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createMigration, deployMigrations, migrationStatus } from "./index";

// Set by infra/test.sh (`npm test`); a missing URL fails the run rather than skipping it.
const ADMIN_URL = process.env["SLIPWAY_TEST_ADMIN_DATABASE_URL"] ?? "";
if (!ADMIN_URL) throw new Error("SLIPWAY_TEST_ADMIN_DATABASE_URL is not set: run tests through `npm test`");
const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..");
const SCHEMA_PATH = join(REPO_ROOT, "prisma/schema.prisma");
const MIGRATIONS_DIR = join(REPO_ROOT, "prisma/migrations");
const CLI_PATH = join(REPO_ROOT, "packages/db/src/migrate/cli.ts");
const INIT = "20261128000000_init";
const TIMEOUT = 120_000;

const databases: string[] = [];
const tempDirs: string[] = [];

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database; returns its URL. */
async function createDatabase(): Promise<string> {
  const name = `slipway_migrate_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await withClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
  databases.push(name);
  return urlFor(name);
}

async function tableNames(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    return rows.map((row) => row.table_name);
  });
}

async function appliedInDatabase(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
    );
    return rows.map((row) => row.migration_name);
  });
}

async function localMigrations(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function runCli(args: string[], databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI_PATH, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

afterAll(async () => {
  await withClient(ADMIN_URL, async (c) => {
    for (const name of databases) {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  });
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe("offline migrations (WASM schema engine)", () => {
  it(
    "deploy applies the init migration once, then nothing",
    async () => {
      const databaseUrl = await createDatabase();
      const options = { databaseUrl, schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR };

      const before = await migrationStatus(options);
      expect(before.upToDate).toBe(false);
      expect(before.pending).toContain(INIT);

      const first = await deployMigrations(options);
      expect(first.applied[0]).toBe(INIT);
      expect(first.applied).toEqual(await localMigrations());

      const second = await deployMigrations(options);
      expect(second.applied).toEqual([]);

      const tables = await tableNames(databaseUrl);
      expect(tables).toEqual(expect.arrayContaining(["builds", "webhook_deliveries", "outbox_messages", "_prisma_migrations"]));

      const after = await migrationStatus(options);
      expect(after).toMatchObject({ upToDate: true, drift: false, pending: [], failed: [], edited: [] });
    },
    TIMEOUT,
  );

  it(
    "concurrent deploys in one process apply the migrations once",
    async () => {
      const databaseUrl = await createDatabase();
      const options = { databaseUrl, schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR };

      const results = await Promise.all([deployMigrations(options), deployMigrations(options)]);
      const applied = results.flatMap((r) => r.applied);
      expect(applied.filter((name) => name === INIT)).toHaveLength(1);
      expect(await appliedInDatabase(databaseUrl)).toEqual(await localMigrations());
    },
    TIMEOUT,
  );

  it(
    "concurrent deploys from two CLI processes apply the migrations once",
    async () => {
      const databaseUrl = await createDatabase();

      const runs = await Promise.all([runCli(["deploy"], databaseUrl), runCli(["deploy"], databaseUrl)]);
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stderr: "" });
      const lines = runs.flatMap((run) => run.stdout.split("\n"));
      expect(lines.filter((line) => line === `applied migration ${INIT}`)).toHaveLength(1);
      expect(await appliedInDatabase(databaseUrl)).toEqual(await localMigrations());
    },
    TIMEOUT,
  );

  it(
    "createMigration writes an ALTER TABLE for a column added to a schema copy",
    async () => {
      const databaseUrl = await createDatabase();
      const dir = await mkdtemp(join(tmpdir(), "slipway-migrate-"));
      tempDirs.push(dir);
      const schemaPath = join(dir, "schema.prisma");
      const migrationsDir = join(dir, "migrations");
      await cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });

      const schema = await readFile(SCHEMA_PATH, "utf8");
      const withColumn = schema.replace(/^model \w+ \{\n/m, (head) => `${head}  testOnlyNote String? @map("test_only_note")\n`);
      expect(withColumn).not.toBe(schema);
      await writeFile(schemaPath, withColumn);

      const created = await createMigration({ databaseUrl, schemaPath, migrationsDir, name: "add test-only note" });
      expect(created).not.toBeNull();
      const directory = created as string;
      expect(directory.startsWith(migrationsDir)).toBe(true);
      expect(directory).toMatch(/[/\\]\d{14}_add_test_only_note$/);
      const sql = await readFile(join(directory, "migration.sql"), "utf8");
      expect(sql).toContain("ALTER TABLE");
      expect(sql).toContain('ADD COLUMN     "test_only_note" TEXT');

      // the new migration was applied, and the schema now has nothing left to migrate
      const options = { databaseUrl, schemaPath, migrationsDir };
      expect(await migrationStatus(options)).toMatchObject({ upToDate: true });
      expect(await createMigration({ ...options, name: "nothing" })).toBeNull();
    },
    TIMEOUT,
  );

  it(
    "the CLI fails with one line when it cannot connect",
    async () => {
      const unreachable = new URL(ADMIN_URL);
      unreachable.hostname = "127.0.0.1";
      unreachable.port = "1";
      const run = await runCli(["deploy"], unreachable.toString());
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: cannot connect to PostgreSQL at 127\.0\.0\.1:1: .+\n$/);
    },
    TIMEOUT,
  );
});
