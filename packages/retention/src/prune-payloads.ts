import type { Db } from "@slipway/db";
import type { Budget } from "./budget";
import { uuidV7Floor, uuidV7Ms } from "./uuid-v7-floor";

/** What a pruned delivery's payload becomes (the column is NOT NULL). */
export const PRUNED_PAYLOAD = '{"pruned": true}';

const NIL = "00000000-0000-0000-0000-000000000000";

/**
 * Replaces the payloads of webhook deliveries received before `cutoff` with PRUNED_PAYLOAD;
 * the rows stay (outcome, reason, ids). Delivery ids are UUIDv7 made when the api received
 * them, so "received before the cutoff" is a primary-key range (uuidV7Floor) and rows are
 * pruned in id order. The pruned rows are therefore always a prefix of that order, and the
 * first unpruned row is found by a binary search over time (about 40 index probes), not by
 * reading every delivery ever pruned: deliveries are the farm's largest table by rows.
 */
export async function prunePayloads(db: Db, cutoff: Date, batch: number, budget: Budget): Promise<{ removed: number; complete: boolean }> {
  const end = uuidV7Floor(cutoff.getTime());
  const from = await firstUnprunedFrom(db, cutoff.getTime());
  if (from === undefined) return { removed: 0, complete: true };
  let removed = 0;
  let after = NIL;
  for (;;) {
    if (budget.spent()) return { removed, complete: false };
    const [r] = await db.$queryRaw<{ last: string | null; changed: number }[]>`
      WITH picked AS (
        SELECT id, payload = ${PRUNED_PAYLOAD}::jsonb AS done FROM webhook_deliveries
        WHERE id >= ${from}::uuid AND id > ${after}::uuid AND id < ${end}::uuid
        ORDER BY id LIMIT ${batch}
      ), changed AS (
        UPDATE webhook_deliveries d SET payload = ${PRUNED_PAYLOAD}::jsonb
        FROM picked WHERE d.id = picked.id AND NOT picked.done
        RETURNING d.id
      )
      SELECT (SELECT id::text FROM picked ORDER BY id DESC LIMIT 1) AS last, (SELECT count(*) FROM changed)::int AS changed`;
    if (!r?.last) return { removed, complete: true };
    removed += r.changed;
    after = r.last;
  }
}

/** Where pruning resumes: the floor of a millisecond at or before the first unpruned delivery older than `cutoffMs`. */
async function firstUnprunedFrom(db: Db, cutoffMs: number): Promise<string | undefined> {
  const end = uuidV7Floor(cutoffMs);
  const [first] = await db.$queryRaw<{ id: string }[]>`SELECT id::text FROM webhook_deliveries WHERE id < ${end}::uuid ORDER BY id LIMIT 1`;
  if (!first) return undefined;
  // "pruned", "unpruned", or "none" (no row from t to the cutoff)
  const probe = async (t: number) => {
    const [row] = await db.$queryRaw<{ done: boolean }[]>`
      SELECT payload = ${PRUNED_PAYLOAD}::jsonb AS done FROM webhook_deliveries
      WHERE id >= ${uuidV7Floor(t)}::uuid AND id < ${end}::uuid ORDER BY id LIMIT 1`;
    return row === undefined ? "none" : row.done ? "pruned" : "unpruned";
  };
  let lo = uuidV7Ms(first.id);
  let hi = cutoffMs;
  if ((await probe(lo)) !== "pruned") return uuidV7Floor(lo);
  // probe(lo) is "pruned"; probe(hi) would be "none": the first unpruned row is at or after lo.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await probe(mid)) === "pruned") lo = mid;
    else hi = mid;
  }
  return uuidV7Floor(lo);
}
