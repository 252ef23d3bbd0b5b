import { MigrateError } from "./migrate-error";

export interface DatabaseTarget {
  host: string;
  port: string;
  database: string;
  user: string;
  /** "host:port", for messages (never includes the password) */
  address: string;
}

/**
 * Parses a PostgreSQL connection URL (postgresql://user:password@host:port/database) for
 * messages, throwing MigrateError "invalid-database-url" when it is not one.
 */
export function describeDatabaseUrl(databaseUrl: string): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw invalid();
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") throw invalid();
  // postgresql:///db?host=/run/postgresql is valid too (Unix socket)
  const host = decodeURIComponent(url.hostname) || url.searchParams.get("host") || "localhost";
  const port = url.port || url.searchParams.get("port") || "5432";
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "") throw invalid("it names no database");
  // Prisma's ?schema= would need search_path handling the offline runner does not do:
  // refuse it rather than migrate the wrong schema.
  const schema = url.searchParams.get("schema");
  if (schema !== null && schema !== "public") {
    throw invalid(`?schema=${schema} is not supported (migrations run in the public schema)`);
  }
  return { host, port, database, user: decodeURIComponent(url.username), address: `${host}:${port}` };
}

function invalid(why = "expected postgresql://user:password@host:port/database"): MigrateError {
  return new MigrateError(`the database URL is not a valid PostgreSQL URL: ${why}`, "invalid-database-url");
}
