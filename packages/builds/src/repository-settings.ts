import { matchRepository, AppError, type TRepository, type TRepositoryReach, type TRepositorySettings } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { equalsIgnoringCase } from "./equals-ignoring-case";

const fields = {
  fullName: true,
  githubId: true,
  defaultBranch: true,
  private: true,
  autoCancel: true,
  autoCancelDefaultBranch: true,
  immutableTags: true,
} as const;
type Row = {
  fullName: string;
  githubId: bigint;
  defaultBranch: string | null;
  private: boolean;
  autoCancel: boolean;
  autoCancelDefaultBranch: boolean;
  immutableTags: boolean;
};
const toDto = (r: Row): TRepository => ({ ...r, githubId: String(r.githubId) });

/** The repositories within reach, by name. */
export async function listRepositories(db: Db, reach: TRepositoryReach): Promise<TRepository[]> {
  const rows = await db.repository.findMany({ select: fields, orderBy: { fullName: "asc" } });
  // Parked rows ("<name>#<id>": a name taken over by another repository) are not repositories any more.
  return rows.filter((r) => !r.fullName.includes("#") && matchRepository(reach, r.fullName)).map(toDto);
}

/** Changes a repository's settings; 404 (as for an unknown one) beyond reach. */
export async function updateRepositorySettings(
  db: Db,
  fullName: string,
  reach: TRepositoryReach,
  settings: TRepositorySettings,
): Promise<TRepository> {
  const row = await db.repository.findFirst({
    where: { fullName: equalsIgnoringCase(fullName) },
    select: { id: true, fullName: true },
  });
  if (!row || row.fullName.toLowerCase() !== fullName.toLowerCase() || !matchRepository(reach, row.fullName)) {
    throw new AppError("not_found", `repository ${fullName} not found`);
  }
  return toDto(await db.repository.update({ where: { id: row.id }, data: settings, select: fields }));
}
