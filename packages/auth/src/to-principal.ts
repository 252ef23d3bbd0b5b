import { ZRepositoryPattern, ZTokenScope, type TTokenScope } from "@slipway/contracts";
import type { ApiToken } from "@slipway/db";
import type { Principal } from "./principal";

/**
 * A stored token as a principal. Unknown scope strings grant nothing; an empty repository
 * list is the stored form of "every repository" (Prisma lists cannot be NULL). A stored
 * pattern that is not valid (written by hand) is dropped: if none is left, the token
 * reaches nothing, never everything.
 */
export function toPrincipal(row: ApiToken): Principal {
  const scopes = row.scopes.filter((s): s is TTokenScope => ZTokenScope.safeParse(s).success);
  return {
    tokenId: row.id,
    name: row.name,
    scopes,
    repositories: row.repositories.length ? row.repositories.flatMap((p) => ZRepositoryPattern.safeParse(p).data ?? []) : null,
    expiresAt: row.expiresAt,
  };
}
