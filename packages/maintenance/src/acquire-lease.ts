import type { Db } from "@slipway/db";

/**
 * Takes or renews the lease `name` for `holder` for `ttlMs`: true while this holder has it.
 * One statement: a free or expired lease is taken, the holder's own is renewed, anyone else's
 * is left alone (the UPDATE's WHERE), so two processes asking at once never both get it.
 */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const rows = await db.$queryRaw<{ holder: string }[]>`
    INSERT INTO leases (name, holder, expires_at) VALUES (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
    ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < now()
    RETURNING holder`;
  return rows.length === 1;
}

/** Gives the lease up (a clean shutdown), so another process need not wait for it to run out. */
export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.$executeRaw`DELETE FROM leases WHERE name = ${name} AND holder = ${holder}`;
}
