// tsx packages/db/src/migrate/cli.ts deploy | status | create <name> [--verbose]
// (npm run db:migrate, db:migrate:status, db:migrate:create -- <name>)
// Reads DATABASE_URL; the schema and migrations are <repo root>/prisma/schema.prisma and
// <repo root>/prisma/migrations. Exit codes: 0 done, 1 failed, or (status) not up to date.
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createMigration, deployMigrations, migrationStatus } from "./migrate";
import type { MigrateOptions } from "./migrate";
import { MigrateError } from "./migrate-error";

const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..");
const USAGE = "usage: cli.ts deploy | status | create <name> [--verbose]";

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const fail = (message: string): never => {
  throw new MigrateError(message, "usage");
};

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") ? path : rel;
}

async function run(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose") || argv.includes("-v");
  const [command, ...rest] = argv.filter((arg) => arg !== "--verbose" && arg !== "-v");
  if (command !== "deploy" && command !== "status" && command !== "create") fail(USAGE);
  if (command === "create" && (rest.length !== 1 || !rest[0])) fail("usage: cli.ts create <name>");
  if (command !== "create" && rest.length > 0) fail(USAGE);

  const databaseUrl = process.env["DATABASE_URL"];
  if (!databaseUrl) fail("DATABASE_URL is not set");
  const options: MigrateOptions = {
    databaseUrl: databaseUrl as string,
    schemaPath: resolve(REPO_ROOT, "prisma/schema.prisma"),
    migrationsDir: resolve(REPO_ROOT, "prisma/migrations"),
    log: verbose ? (message) => process.stderr.write(`  ${message}\n`) : undefined,
  };
  const started = performance.now();
  const seconds = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  if (command === "deploy") {
    const { applied } = await deployMigrations(options);
    for (const name of applied) out(`applied migration ${name}`);
    out(
      applied.length === 0
        ? `database is up to date: no pending migrations (${seconds()})`
        : `${applied.length} migration${applied.length === 1 ? "" : "s"} applied (${seconds()})`,
    );
    return 0;
  }

  if (command === "status") {
    const status = await migrationStatus(options);
    for (const name of status.pending) out(`pending migration ${name}`);
    for (const name of status.missingLocally) out(`drift: ${name} is recorded in the database but missing locally`);
    for (const name of status.edited) out(`drift: ${name} was edited after it was applied`);
    for (const name of status.failed) out(`drift: ${name} failed in the database (resolve it before deploying)`);
    if (status.upToDate) {
      out(`database is up to date: ${status.local.length} migration${status.local.length === 1 ? "" : "s"} applied`);
      return 0;
    }
    out(
      status.drift
        ? "the database's migration history has drifted from prisma/migrations"
        : `${status.pending.length} pending migration${status.pending.length === 1 ? "" : "s"}: run deploy`,
    );
    return 1;
  }

  const directory = await createMigration({ ...options, name: rest[0] as string });
  out(directory ? `created migration ${display(directory)}/migration.sql (applied)` : "no schema changes: no migration created");
  return 0;
}

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (err) {
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof MigrateError && err.code === "invalid-database-url") {
    message = message.replace(/^the database URL/, "DATABASE_URL");
  }
  process.stderr.write(`error: ${message.replace(/\s*\n\s*/g, " ").trim()}\n`);
  code = 1;
}
// The engine may leave timers behind; do not wait for them.
process.exit(code);
