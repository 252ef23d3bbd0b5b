import type { Db } from "@slipway/db";
import type { Budget } from "./budget";

/**
 * Deletes outbox rows dispatched before `cutoff` (never undispatched ones: dispatched_at is
 * NULL until the relay has handed a row on). The (dispatched_at, available_at, id) index
 * bounds each batch to old dispatched rows. `id = ANY(ARRAY(...))`, not `id IN (...)`: with
 * IN the planner hash-joined the batch against a sequential scan of the whole table (EXPLAIN
 * on 50,000 rows); an array is looked up in the primary key.
 */
export async function pruneOutbox(db: Db, cutoff: Date, batch: number, budget: Budget): Promise<{ removed: number; complete: boolean }> {
  let removed = 0;
  for (;;) {
    if (budget.spent()) return { removed, complete: false };
    const n = await db.$executeRaw`
      DELETE FROM outbox_messages WHERE id = ANY(ARRAY(
        SELECT id FROM outbox_messages WHERE dispatched_at < ${cutoff} ORDER BY dispatched_at LIMIT ${batch}))`;
    removed += n;
    if (n < batch) return { removed, complete: true };
  }
}
