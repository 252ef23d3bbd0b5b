import { AppError, type TBuildList, type TListBuildsQuery } from "@slipway/contracts";
import type { Db, Prisma } from "@slipway/db";
import { toBuildDto } from "./to-build-dto";

/**
 * Newest first, keyset-paginated: `cursor` is the last id of the previous page (ids are
 * UUIDv7, so id order is creation order and the cursor is stable under inserts).
 */
export async function listBuilds(db: Db, q: TListBuildsQuery): Promise<TBuildList> {
  const where: Prisma.BuildWhereInput = {};
  // GitHub treats owner/name case-insensitively; so do we.
  if (q.repo) where.repository = { fullName: { equals: q.repo, mode: "insensitive" } };
  if (q.status) where.status = q.status;
  if (q.cursor) {
    const exists = await db.build.count({ where: { id: q.cursor } });
    if (!exists) throw new AppError("bad_request", "cursor does not name a build: use nextCursor from the previous page");
    where.id = { lt: q.cursor };
  }
  const rows = await db.build.findMany({
    where,
    include: { repository: { select: { fullName: true } } },
    orderBy: { id: "desc" },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { builds: page.map(toBuildDto), nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
}
