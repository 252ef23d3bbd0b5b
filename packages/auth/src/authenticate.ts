import { timingSafeEqual } from "node:crypto";
import { AppError } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { hashToken } from "./hash-token";

export interface Principal {
  /** "bootstrap" for SLIPWAY_API_TOKEN, else the database token's id */
  tokenId: string;
  name: string;
  scopes: string[];
}

export interface AuthenticateDeps {
  db: Db;
  /** SLIPWAY_API_TOKEN: the bootstrap admin token */
  bootstrapToken: string;
}

/**
 * Resolves an `Authorization: Bearer <token>` header to a principal, or throws AppError 401.
 * The bootstrap token is compared in constant time (over hashes, so lengths never leak);
 * other tokens are looked up by their SHA-256, never stored in clear.
 */
export async function authenticate(deps: AuthenticateDeps, header: string | undefined): Promise<Principal> {
  if (!header) throw new AppError("unauthorized", "missing Authorization: Bearer <token> header");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError("unauthorized", "Authorization header must be: Bearer <token>");
  const token = match[1]!;
  const hash = hashToken(token);
  if (timingSafeEqual(Buffer.from(hash, "hex"), Buffer.from(hashToken(deps.bootstrapToken), "hex"))) {
    return { tokenId: "bootstrap", name: "bootstrap", scopes: ["admin"] };
  }
  const row = await deps.db.apiToken.findUnique({ where: { tokenHash: hash } });
  const now = new Date();
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) {
    throw new AppError("unauthorized", "invalid, expired or revoked API token");
  }
  // Best effort: a failed stamp must not fail the request.
  void deps.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => {});
  return { tokenId: row.id, name: row.name, scopes: row.scopes };
}
