import { AppError, type TCreatedApiToken, type TCreateTokenBody } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { createApiToken } from "./create-api-token";
import { isReachWithin } from "@slipway/contracts";
import type { Principal } from "./principal";
import { requireScope } from "./require-scope";

/**
 * POST /api/v1/tokens: an admin creates a token, never beyond its own reach. A caller limited
 * to some repositories may only create tokens limited to repositories within them (so an
 * admin of `acme/*` cannot mint an unlimited token), and a caller that expires may only create
 * tokens that expire no later (so a token cannot outlive itself through a child).
 */
export async function grantApiToken(db: Db, principal: Principal, body: TCreateTokenBody): Promise<TCreatedApiToken> {
  requireScope(principal, "admin");
  if (!isReachWithin(body.repositories ?? null, principal.repositories)) {
    throw new AppError(
      "forbidden",
      `this API token is limited to ${principal.repositories?.join(", ")}: "repositories" must be given and lie within that`,
    );
  }
  if (principal.expiresAt && (!body.expiresAt || body.expiresAt > principal.expiresAt)) {
    throw new AppError(
      "forbidden",
      `this API token expires at ${principal.expiresAt.toISOString()}: "expiresAt" must be given and be no later`,
    );
  }
  return createApiToken(db, body);
}
