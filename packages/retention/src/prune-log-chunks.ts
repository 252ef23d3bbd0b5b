import type { Db } from "@slipway/db";
import type { Budget } from "./budget";

const NIL = "00000000-0000-0000-0000-000000000000";

/**
 * Deletes the log chunks of builds that finished before `cutoff`, `batch` rows a statement.
 * Builds are walked through their (created_at DESC, id) index with a cursor: a build finished
 * before the cutoff was created before it, so the index bounds the walk to old builds, and
 * each old build is visited once a run (one probe of the chunks' (build_id, attempt, seq)
 * index when its chunks are already gone). Chunks have no time index of their own: adding one
 * would cost every log write, and builds are far fewer rows than chunks.
 */
export async function pruneLogChunks(db: Db, cutoff: Date, batch: number, budget: Budget): Promise<{ removed: number; complete: boolean }> {
  let removed = 0;
  let cursorAt = cutoff;
  let cursorId = NIL;
  for (;;) {
    if (budget.spent()) return { removed, complete: false };
    const builds = await db.$queryRaw<{ id: string; created_at: Date }[]>`
      SELECT b.id::text AS id, b.created_at FROM builds b
      WHERE b.created_at < ${cutoff} AND b.created_at <= ${cursorAt} AND b.finished_at < ${cutoff}
        AND NOT (b.created_at = ${cursorAt} AND b.id <= ${cursorId}::uuid)
      ORDER BY b.created_at DESC, b.id
      LIMIT ${batch}`;
    if (builds.length === 0) return { removed, complete: true };
    const ids = builds.map((b) => b.id);
    for (;;) {
      if (budget.spent()) return { removed, complete: false };
      const n = await db.$executeRaw`
        DELETE FROM build_log_chunks WHERE id = ANY(ARRAY(
          SELECT id FROM build_log_chunks WHERE build_id = ANY(${ids}::uuid[]) LIMIT ${batch}))`;
      removed += n;
      if (n < batch) break;
    }
    const last = builds[builds.length - 1]!;
    cursorAt = last.created_at;
    cursorId = last.id;
  }
}
