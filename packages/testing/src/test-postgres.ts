import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deployMigrations } from "@slipway/db/migrate";
import { adminQuery, withDatabase } from "./databases";
import { freePort } from "./ports";

const PGBIN = "/usr/lib/postgresql/15/bin";
const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * A PostgreSQL server of a test's own (a fault test stops and starts it; the test profile's
 * server is shared by every test file). Runs as the postgres user (the test set-up runs as
 * root, as infra/services.sh does), on 127.0.0.1 with trust authentication: a throwaway
 * cluster in a temporary folder that nothing but the test reaches. `start()` gives a database
 * "slipway" with every migration applied.
 */
export class TestPostgres {
  private readonly dir = mkdtempSync("/tmp/slipway-pg-");
  private constructor(readonly port: number) {}

  static async start(): Promise<TestPostgres> {
    const pg = new TestPostgres(await freePort());
    chownSync(pg.dir, id("-u"), id("-g"));
    chmodSync(pg.dir, 0o700);
    pg.asPostgres("initdb", ["-D", pg.data, "--auth=trust", "-U", "postgres", "-E", "UTF8"]);
    pg.start();
    await adminQuery(pg.url("postgres"), "CREATE DATABASE slipway");
    await deployMigrations({
      databaseUrl: pg.url("slipway"),
      schemaPath: `${root}prisma/schema.prisma`,
      migrationsDir: `${root}prisma/migrations`,
    });
    return pg;
  }

  /** The URL of `database` on this server. */
  url(database = "slipway"): string {
    return withDatabase(`postgresql://postgres@127.0.0.1:${this.port}/postgres`, database);
  }

  /** Starts the server (again); waits until it takes connections. */
  start(): void {
    this.asPostgres("pg_ctl", [
      "-D",
      this.data,
      "-l",
      join(this.dir, "postgres.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
      "start",
    ]);
  }

  /** Stops it as a crash does (immediate: no checkpoint, connections cut). */
  stop(): void {
    this.asPostgres("pg_ctl", ["-D", this.data, "-m", "immediate", "-w", "stop"]);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get data(): string {
    return join(this.dir, "data");
  }

  private asPostgres(bin: string, args: string[]): void {
    execFileSync("runuser", ["-u", "postgres", "--", join(PGBIN, bin), ...args], { stdio: "ignore" });
  }
}

/** The postgres user's uid (-u) or gid (-g). */
function id(flag: "-u" | "-g"): number {
  return Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
}
