import { AppError, type TBuild } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { toBuildDto } from "./to-build-dto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getBuild(db: Db, id: string): Promise<TBuild> {
  if (!UUID.test(id)) throw new AppError("not_found", `no build with id "${id}" (ids are UUIDs)`);
  const row = await db.build.findUnique({ where: { id }, include: { repository: { select: { fullName: true } } } });
  if (!row) throw new AppError("not_found", `no build with id ${id}`);
  return toBuildDto(row);
}
