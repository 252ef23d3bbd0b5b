// whileDatabaseDown against a PostgreSQL that is not there (a free port: connection refused).
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createDb } from "./index";
import { isDatabaseUnreachable, whileDatabaseDown } from "./while-database-down";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("whileDatabaseDown", () => {
  it("tries again while PostgreSQL is unreachable and gives up when the signal aborts (a worker shutting down)", async () => {
    const db = createDb({ databaseUrl: `postgresql://x:y@127.0.0.1:${await closedPort()}/none`, poolSize: 1 });
    const stop = new AbortController();
    let calls = 0;
    const waits: number[] = [];
    try {
      const attempt = whileDatabaseDown(
        () => {
          calls++;
          if (calls === 2) setTimeout(() => stop.abort("shutdown"), 50);
          return db.$queryRaw`SELECT 1`;
        },
        { forMs: 600_000, signal: stop.signal, onWait: (_err, waited) => waits.push(waited) },
      );
      const err = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      // The database error itself comes back (the caller sends the job back to the queue).
      expect(isDatabaseUnreachable(err)).toBe(true);
      expect(calls).toBe(2);
      expect(waits).toHaveLength(2);
    } finally {
      await db.$disconnect();
    }
  });

  it("throws any other error at once", async () => {
    let calls = 0;
    const boom = new Error("syntax error at or near");
    await expect(
      whileDatabaseDown(
        () => {
          calls++;
          return Promise.reject(boom);
        },
        { forMs: 600_000 },
      ),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });
});
