import { timingSafeEqual } from "node:crypto";
import { AppError } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { hashToken } from "./hash-token";
import { isTokenUsable } from "./is-token-usable";
import type { Principal } from "./principal";
import { toPrincipal } from "./to-principal";

export interface AuthenticateDeps {
  db: Db;
  /** SLIPWAY_API_TOKEN: the bootstrap admin token */
  bootstrapToken: string;
}

const BOOTSTRAP: Principal = { tokenId: "bootstrap", name: "bootstrap", scopes: ["admin"], repositories: null, expiresAt: null };

/**
 * Resolves an `Authorization: Bearer <token>` header to a principal, or throws AppError 401.
 */
export async function authenticate(deps: AuthenticateDeps, header: string | undefined): Promise<Principal> {
  if (!header) throw new AppError("unauthorized", "missing Authorization: Bearer <token> header");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError("unauthorized", "Authorization header must be: Bearer <token>");
  return authenticateToken(deps, match[1]!);
}

/**
 * Resolves an API token (from a bearer header or a session cookie) to a principal, or throws
 * AppError 401. The bootstrap token is compared in constant time (over hashes, so lengths
 * never leak); other tokens are looked up by their SHA-256, never stored in clear. Every
 * request reads the row again (no cache), so a revoke or an expiry holds from the next
 * request on.
 */
export async function authenticateToken(deps: AuthenticateDeps, token: string): Promise<Principal> {
  const hash = hashToken(token);
  if (timingSafeEqual(Buffer.from(hash, "hex"), Buffer.from(hashToken(deps.bootstrapToken), "hex"))) return BOOTSTRAP;
  const row = await deps.db.apiToken.findUnique({ where: { tokenHash: hash } });
  const now = new Date();
  if (!row || !isTokenUsable(row, now)) {
    throw new AppError("unauthorized", "invalid, expired or revoked API token");
  }
  // Best effort: a failed stamp must not fail the request.
  void deps.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => {});
  return toPrincipal(row);
}
