import type { TApiToken } from "@slipway/contracts";
import type { ApiToken } from "@slipway/db";

/** A token row as the API lists it: no secret, no hash. */
export function toApiTokenDto(row: ApiToken): TApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    repositories: row.repositories.length ? row.repositories : null,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
