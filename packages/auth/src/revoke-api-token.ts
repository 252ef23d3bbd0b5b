import { AppError, type TApiToken, type TRepositoryReach, isUuid } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { isReachWithin } from "@slipway/contracts";
import { toApiTokenDto } from "./to-api-token-dto";
import { toPrincipal } from "./to-principal";

/**
 * Revokes a database token at once (authenticate reads the row on every request). Revoking
 * twice keeps the first time. A token outside the caller's reach answers 404, as an unknown
 * id does.
 */
export async function revokeApiToken(db: Db, id: string, reach: TRepositoryReach): Promise<TApiToken> {
  const row = isUuid(id) ? await db.apiToken.findUnique({ where: { id } }) : null;
  if (!row || !isReachWithin(toPrincipal(row).repositories, reach)) throw new AppError("not_found", `no API token with id ${id}`);
  await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return toApiTokenDto(await db.apiToken.findUniqueOrThrow({ where: { id } }));
}
