import { MigrateError } from "./migrate-error";

/** A Rust panic inside the WebAssembly engine reaches JS as `RuntimeError: unreachable`. */
export function isWasmPanic(err: unknown): boolean {
  return err instanceof Error && err.name === "RuntimeError";
}

/**
 * Engine errors carry a multi-line message followed by a tracing "span trace"
 * ("   0: sql_schema_connector::apply_migration::apply_script\n with migration_name=...").
 * Keeps the message, drops the trace and the generic "external connector error" line.
 */
function summarize(message: string): { text: string; migration: string | undefined } {
  const lines = message.split("\n");
  const traceStart = lines.findIndex((line) => /^\s*\d+: /.test(line));
  const trace = traceStart >= 0 ? lines.slice(traceStart).join("\n") : "";
  // only a failure while applying a migration names the failed migration
  const migration = trace.includes("apply_migration") ? /migration_name="([^"]+)"/.exec(trace)?.[1] : undefined;
  const text = (traceStart >= 0 ? lines.slice(0, traceStart) : lines)
    .map((line) => line.trim())
    .filter((line) => line !== "" && line !== "external connector error")
    .map((line) => (/[.:!?]$/.test(line) ? line : `${line}.`))
    .join(" ")
    .replace(/\.$/, "");
  return { text: text || "unknown schema engine error", migration };
}

/** Turns anything thrown while migrating into a MigrateError with a one-line message. */
export function toMigrateError(err: unknown, panicMessage?: string): MigrateError {
  if (err instanceof MigrateError) return err;
  if (isWasmPanic(err)) {
    const detail = summarize(panicMessage || (err as Error).message).text;
    return new MigrateError(`the schema engine crashed: ${detail}`, "engine-panic", { cause: err });
  }
  const raw = err instanceof Error ? err.message : String(err);
  const prismaCode = (err as { code?: unknown } | null)?.code;
  if (/Timed out trying to acquire a postgres advisory lock/.test(raw)) {
    return new MigrateError(
      "another migration run holds this database's migration lock (pg_advisory_lock(72707369)); gave up after waiting 10 s",
      "lock-timeout",
      { cause: err },
    );
  }
  const { text, migration } = summarize(raw);
  const code = typeof prismaCode === "string" && prismaCode !== "" ? prismaCode : "engine";
  const message = `${migration ? `migration ${migration} failed: ` : ""}${text}${code !== "engine" ? ` (${code})` : ""}`;
  return new MigrateError(message, code, { cause: err });
}
