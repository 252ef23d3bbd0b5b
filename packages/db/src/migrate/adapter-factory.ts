// A migration-aware driver adapter factory for the WASM schema engine, over PrismaPg.
// Two upstream problems are worked around here:
//  1. adapter-pg cannot map PostgreSQL's internal "char" type (OID 18), which the engine's
//     catalog queries return (pg_constraint.contype, ...): "Column type 'char' could not be
//     deserialized". Our pg Client reports such fields as text (OID 25) before the adapter
//     maps them; the values are plain strings either way.
//  2. adapter-pg's own shadow database handling ignores the database override when built
//     from a connection string and drops the shadow database while its pool still holds
//     connections. We create a uniquely named shadow database with pg, connect a second
//     PrismaPg to it and drop it after that pool has ended. The role needs CREATEDB.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import pg from "pg";

export interface MigrationAdapterFactory extends SqlMigrationAwareDriverAdapterFactory {
  /**
   * Closes every connection the engine left open and drops any shadow database still
   * present. Idempotent; call it after `engine.free()`.
   */
  dispose(): Promise<void>;
}

export interface MigrationAdapterFactoryOptions {
  log?: (message: string) => void;
}

const OID_CHAR = 18;
const OID_TEXT = 25;
const APPLICATION_NAME = "slipway-migrate";
const POOL_END_GRACE_MS = 2_000;

type QueryFields = { fields?: Array<{ dataTypeID: number }> };

/** Reports PostgreSQL "char" (OID 18) result columns as text (OID 25). */
function charAsText<T>(result: T): T {
  for (const r of Array.isArray(result) ? (result as unknown[]) : [result]) {
    for (const field of (r as QueryFields | undefined)?.fields ?? []) {
      if (field.dataTypeID === OID_CHAR) field.dataTypeID = OID_TEXT;
    }
  }
  return result;
}

/** A pg Client whose query results never carry the "char" type (see the header). */
class CharAsTextClient extends pg.Client {
  // pg's query() has many overloads (promise, callback, submittable); cover them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last: unknown = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) => (last as (e: unknown, r: unknown) => void)(err, err ? res : charAsText(res));
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const ret: unknown = (super.query as (...a: unknown[]) => unknown)(...args);
    if (ret instanceof Promise) return ret.then(charAsText);
    return ret;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The same connection URL, pointing at another database. */
function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

function shadowDatabaseName(): string {
  // lowercase, well under PostgreSQL's 63-byte identifier limit, unique per call
  return `prisma_shadow_${Date.now().toString(36)}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** Runs one statement on a short-lived connection to the main database. */
async function adminExecute(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: APPLICATION_NAME });
  client.on("error", () => {}); // a dropped connection surfaces through the query below
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates the adapter factory the schema engine connects through: `connect()` opens the
 * database at `databaseUrl`, `connectToShadowDb()` a fresh, uniquely named shadow database.
 */
export function createMigrationAdapterFactory(databaseUrl: string, options: MigrationAdapterFactoryOptions = {}): MigrationAdapterFactory {
  const log = options.log ?? (() => {});
  const open = new Set<SqlDriverAdapter>();
  const shadowDatabases = new Set<string>();

  async function connectTo(url: string, afterDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const pool = new pg.Pool({
      connectionString: url,
      Client: CharAsTextClient,
      application_name: APPLICATION_NAME,
      // One session, kept until dispose, as Prisma's native engine has: the engine's
      // advisory lock (pg_advisory_lock, never unlocked) lasts as long as that session.
      // The engine sends one query at a time and starts no transactions.
      max: 1,
      idleTimeoutMillis: 0,
    });
    const clients = new Set<pg.PoolClient>();
    pool.on("connect", (client) => clients.add(client));
    pool.on("remove", (client) => clients.delete(client as pg.PoolClient));
    pool.on("error", (err) => log(`idle PostgreSQL connection failed: ${err.message}`));

    const adapter = await new PrismaPg(pool).connect();

    // adapter-pg runs a script by splitting it on ";" and sending each piece on its own,
    // outside any transaction: a failing migration stays half-applied and a ";" inside a
    // string or a function body breaks the script. Prisma's native engine sends the whole
    // script as one simple query, which PostgreSQL runs as one implicit transaction. Do that.
    adapter.executeScript = async (script: string): Promise<void> => {
      try {
        await pool.query(script);
      } catch (err) {
        // the adapter's own error mapping (DriverAdapterError), which the engine understands
        (adapter as unknown as { onError(error: unknown): never }).onError(err);
      }
    };

    const disposeAdapter = adapter.dispose.bind(adapter);
    let disposing: Promise<void> | undefined;
    adapter.dispose = () => {
      disposing ??= (async () => {
        open.delete(adapter);
        try {
          await disposeAdapter(); // detaches the adapter from our pool
          await endPool(pool, clients);
        } finally {
          await afterDispose?.();
        }
      })();
      return disposing;
    };
    open.add(adapter);
    return adapter;
  }

  /**
   * Ends a pool. A query still waiting (a second migrator blocked in pg_advisory_lock after
   * the engine gave up on it) would hold pool.end() until the lock is granted, so after a
   * grace period the remaining connections are closed.
   */
  async function endPool(pool: pg.Pool, clients: Set<pg.PoolClient>): Promise<void> {
    const ended = pool.end();
    const timedOut = await Promise.race([ended.then(() => false), sleep(POOL_END_GRACE_MS, true, { ref: false })]);
    if (timedOut) {
      log(`closing ${clients.size} busy PostgreSQL connection(s)`);
      await Promise.all([...clients].map((client) => (client as unknown as pg.Client).end().catch(() => {})));
    }
    await ended;
  }

  async function dropShadowDatabase(name: string): Promise<void> {
    if (!shadowDatabases.delete(name)) return;
    try {
      await adminExecute(databaseUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    } catch {
      // someone still connected to it (PostgreSQL 13+ can force that)
      await adminExecute(databaseUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
    log(`dropped shadow database ${name}`);
  }

  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",

    connect() {
      return connectTo(databaseUrl);
    },

    async connectToShadowDb() {
      const name = shadowDatabaseName();
      await adminExecute(databaseUrl, `CREATE DATABASE ${quoteIdent(name)}`);
      shadowDatabases.add(name);
      log(`created shadow database ${name}`);
      try {
        return await connectTo(withDatabase(databaseUrl, name), () => dropShadowDatabase(name));
      } catch (err) {
        await dropShadowDatabase(name).catch(() => {});
        throw err;
      }
    },

    async dispose() {
      const failures: unknown[] = [];
      for (const adapter of [...open].reverse()) {
        await adapter.dispose().catch((err: unknown) => failures.push(err));
      }
      for (const name of [...shadowDatabases]) {
        await dropShadowDatabase(name).catch((err: unknown) => failures.push(err));
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}
