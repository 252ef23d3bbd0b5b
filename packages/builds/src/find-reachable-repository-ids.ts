import { matchRepository, type TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { equalsIgnoringCase } from "./equals-ignoring-case";

/**
 * Ids of the repositories within `reach` (and named `repo`, case-insensitively, if given), or
 * null when nothing limits them. Names are matched here with @slipway/auth's matchRepository,
 * not in SQL: Prisma's case-insensitive equals/startsWith are ILIKE, where "_" in a repository
 * name is a wildcard (a token for acme/a_b would have seen acme/axb). The table is small: one
 * row per GitHub repository that sent a delivery.
 */
export async function findReachableRepositoryIds(db: Db, reach: TRepositoryReach, repo?: string): Promise<string[] | null> {
  if (reach === null && !repo) return null;
  // With a name, ILIKE narrows the rows to a superset of the exact match; JS then decides.
  const rows = await db.repository.findMany({
    select: { id: true, fullName: true },
    ...(repo ? { where: { fullName: equalsIgnoringCase(repo) } } : {}),
  });
  return rows
    .filter((r) => (!repo || r.fullName.toLowerCase() === repo.toLowerCase()) && matchRepository(reach, r.fullName))
    .map((r) => r.id);
}
