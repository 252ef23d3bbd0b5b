import pg from "pg";
import type { DatabaseTarget } from "./describe-database-url";
import { MigrateError } from "./migrate-error";

const CONNECT_TIMEOUT_MS = 10_000;

/** The most specific message of a connection error (Node may wrap them in AggregateError). */
function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return messageOf(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return err.message || code || err.name;
  }
  return String(err);
}

/**
 * Opens and closes one connection to the database so that an unreachable server, a wrong
 * password or a missing database fails fast with a one-line MigrateError ("connection")
 * naming host:port, before the schema engine is started (its own message loses the cause).
 */
export async function checkConnection(databaseUrl: string, target: DatabaseTarget): Promise<void> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "slipway-migrate",
  });
  client.on("error", () => {}); // reported through connect() below
  try {
    await client.connect();
  } catch (err) {
    const code = (err as { code?: string }).code;
    const where = `PostgreSQL at ${target.address}`;
    const message =
      code === "3D000"
        ? `database "${target.database}" does not exist on ${where}`
        : code === "28P01" || code === "28000"
          ? `cannot log in to ${where} as "${target.user}": ${messageOf(err)}`
          : `cannot connect to ${where}: ${messageOf(err)}`;
    throw new MigrateError(message, "connection", { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}
