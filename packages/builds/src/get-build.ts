import { matchRepository, AppError, type TBuild, type TRepositoryReach, isUuid } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { toBuildDto } from "./to-build-dto";

/**
 * One build, if the caller's reach includes its repository. A build outside the reach answers
 * exactly like one that does not exist, so a token cannot learn which ids exist elsewhere.
 */
export async function getBuild(db: Db, id: string, reach: TRepositoryReach): Promise<TBuild> {
  if (!isUuid(id)) throw new AppError("not_found", `no build with id "${id}" (ids are UUIDs)`);
  const row = await db.build.findUnique({ where: { id }, include: { repository: { select: { fullName: true } } } });
  if (!row || !matchRepository(reach, row.repository.fullName)) throw new AppError("not_found", `no build with id ${id}`);
  return toBuildDto(row);
}
