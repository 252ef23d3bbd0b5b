import type { Db } from "@slipway/db";
import { isTokenUsable } from "./is-token-usable";

/**
 * Whether a token that authenticated a long-lived request (a live log stream) may go on:
 * not revoked, not expired. The bootstrap token lives as long as the process's config.
 */
export async function isTokenLive(db: Db, tokenId: string, now = new Date()): Promise<boolean> {
  if (tokenId === "bootstrap") return true;
  const row = await db.apiToken.findUnique({ where: { id: tokenId }, select: { revokedAt: true, expiresAt: true } });
  return isTokenUsable(row, now);
}
