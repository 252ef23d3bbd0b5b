/**
 * An error of the migration runner with a one-line, user-facing message (no stack needed).
 * `code` is Prisma's error code when the schema engine gave one (e.g. "P3009" failed
 * migrations, "P3005" non-empty database without migration history), or one of ours:
 * "invalid-database-url", "connection", "schema-file", "lock-timeout", "engine-panic",
 * "needs-reset", "invalid-name", "usage" (CLI), "engine".
 */
export class MigrateError extends Error {
  override readonly name = "MigrateError";

  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
