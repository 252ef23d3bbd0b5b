import { AppError, type TBuildList, type TListBuildsQuery, type TRepositoryReach } from "@slipway/contracts";
import type { Db, Prisma } from "@slipway/db";
import { findReachableRepositoryIds } from "./find-reachable-repository-ids";
import { toBuildDto } from "./to-build-dto";

/**
 * Newest first, keyset-paginated: `cursor` is the last id of the previous page (ids are
 * UUIDv7, so id order is creation order and the cursor is stable under inserts). Only builds
 * of repositories within the caller's reach; the cursor must be one of those too, else it
 * would tell which build ids exist elsewhere.
 */
export async function listBuilds(db: Db, q: TListBuildsQuery, reach: TRepositoryReach): Promise<TBuildList> {
  // GitHub treats owner/name case-insensitively; so do we.
  const repositoryIds = await findReachableRepositoryIds(db, reach, q.repo);
  const inReach: Prisma.BuildWhereInput = repositoryIds === null ? {} : { repositoryId: { in: repositoryIds } };
  const where: Prisma.BuildWhereInput = { ...inReach };
  if (q.status) where.status = q.status;
  if (q.branch) where.refName = q.branch;
  if (q.cursor) {
    const exists = await db.build.count({ where: { id: q.cursor, ...inReach } });
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
