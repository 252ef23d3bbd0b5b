import type { TApiToken, TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { isReachWithin } from "@slipway/contracts";
import { toApiTokenDto } from "./to-api-token-dto";
import { toPrincipal } from "./to-principal";

/**
 * Database tokens, newest first, without secrets. A caller limited to some repositories sees
 * only tokens whose reach lies within its own (not the farm's unlimited tokens).
 */
export async function listApiTokens(db: Db, reach: TRepositoryReach): Promise<{ tokens: TApiToken[] }> {
  const rows = await db.apiToken.findMany({ orderBy: { id: "desc" } });
  return { tokens: rows.filter((r) => isReachWithin(toPrincipal(r).repositories, reach)).map(toApiTokenDto) };
}
