import type { Db } from "@slipway/db";

/** Chunks per query. A chunk holds at most ~320 KiB (the sink closes one at 256 KiB, a line
 * is at most 64 KiB), so a reader holds a few MiB at a time, however long the log. */
const PAGE = 20;

export interface LogChunk {
  seq: number;
  firstLine: number;
  lineCount: number;
  content: string;
}

/**
 * An attempt's stored log chunks in order, read page by page (keyset on seq), starting with
 * the chunk that holds line `fromLine` (chunks before it are not read).
 */
export async function* readLogChunks(db: Db, buildId: string, attempt: number, fromLine = 1): AsyncGenerator<LogChunk> {
  const start =
    fromLine > 1
      ? await db.buildLogChunk.findFirst({
          where: { buildId, attempt, firstLine: { lte: fromLine } },
          orderBy: { seq: "desc" },
          select: { seq: true },
        })
      : null;
  let after = (start?.seq ?? 0) - 1;
  for (;;) {
    const page = await db.buildLogChunk.findMany({
      where: { buildId, attempt, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
      select: { seq: true, firstLine: true, lineCount: true, content: true },
    });
    for (const c of page) yield c;
    if (page.length < PAGE) return;
    after = page.at(-1)!.seq;
  }
}
