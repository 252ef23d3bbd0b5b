import { setTimeout as sleep } from "node:timers/promises";
type PrismaDriverError = { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };

/** The PostgreSQL SQLSTATE behind a Prisma error (its driver adapter's cause), when there is one. */
export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as PrismaDriverError | undefined)?.meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === "string" ? code : undefined;
}

/** What Prisma (with the pg driver adapter) throws when PostgreSQL cannot be reached or dropped the connection. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const e = err as PrismaDriverError | undefined;
  const sqlstate = sqlStateOf(err);
  // 08: connection exceptions; 57P01-57P03: the server shut down or is starting. (Not 53, out
  // of resources: a full disk does not pass by waiting two minutes.)
  if (typeof sqlstate === "string") return /^(08|57P0[1-3])/.test(sqlstate);
  if (typeof e?.code === "string" && ["P1001", "P1002", "P1017", "P2024", "ECONNREFUSED", "ECONNRESET"].includes(e.code)) return true;
  return (
    typeof e?.message === "string" && /Can't reach database server|ECONNREFUSED|Connection terminated|connection.*closed/i.test(e.message)
  );
}

/**
 * Runs `fn`, and again while PostgreSQL is unreachable (backing off 0.5 s, doubling, up to 5 s
 * apart), for at most `forMs`: a worker that finished a build waits out a database restart to
 * record it, rather than fail the try and build it again. Any other error, or the database
 * still down after `forMs` or when `signal` aborts (the worker shutting down), is thrown.
 */
export async function whileDatabaseDown<T>(
  fn: () => Promise<T>,
  opts: { forMs: number; onWait?: (err: unknown, waitedMs: number) => void; signal?: AbortSignal },
): Promise<T> {
  const started = Date.now();
  for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await fn();
    } catch (err) {
      const waited = Date.now() - started;
      if (!isDatabaseUnreachable(err) || waited + delay > opts.forMs || opts.signal?.aborted) throw err;
      opts.onWait?.(err, waited);
      // Woken early by the signal: give up with the database's error.
      const slept = await sleep(delay, true, opts.signal ? { signal: opts.signal } : {}).catch(() => false);
      if (!slept) throw err;
    }
  }
}
