import type { Db } from "@slipway/db";
import type { Budget } from "./budget";
import { readMark, saveMark } from "./maintenance-mark";

const NIL = "00000000-0000-0000-0000-000000000000";
const MARK = "prune-log-chunks";

/**
 * Deletes the log chunks of builds that finished before `cutoff`, `batch` rows a statement.
 * Builds are walked through their (finished_at, id) index, oldest first, from where the last
 * run got to (maintenance_marks): each build is visited once, when it passes the cutoff, not
 * every run. A retried build finishes again later, so it comes round again. Chunks have no
 * time index of their own: adding one would cost every log write, and builds are far fewer
 * rows than chunks.
 */
export async function pruneLogChunks(db: Db, cutoff: Date, batch: number, budget: Budget): Promise<{ removed: number; complete: boolean }> {
  let cursorAt = (await readMark(db, MARK)) ?? new Date(0);
  let cursorId = NIL;
  let removed = 0;
  const save = (at: Date) => saveMark(db, MARK, at);
  for (;;) {
    if (budget.spent()) {
      // Every build finished before the cursor's time is done.
      await save(cursorAt);
      return { removed, complete: false };
    }
    const builds = await db.$queryRaw<{ id: string; finished_at: Date }[]>`
      SELECT b.id::text AS id, b.finished_at FROM builds b
      WHERE b.finished_at < ${cutoff} AND (b.finished_at, b.id) > (${cursorAt}, ${cursorId}::uuid)
      ORDER BY b.finished_at, b.id
      LIMIT ${batch}`;
    while (builds.length > 0) {
      if (budget.spent()) {
        await save(cursorAt);
        return { removed, complete: false };
      }
      const n = await db.$executeRaw`
        DELETE FROM build_log_chunks WHERE id = ANY(ARRAY(
          SELECT id FROM build_log_chunks WHERE build_id = ANY(${builds.map((b) => b.id)}::uuid[]) LIMIT ${batch}))`;
      removed += n;
      if (n < batch) break;
    }
    if (builds.length < batch) {
      await save(cutoff);
      return { removed, complete: true };
    }
    const last = builds[builds.length - 1]!;
    cursorAt = last.finished_at;
    cursorId = last.id;
  }
}
