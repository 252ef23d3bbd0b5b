import type { TCreatedApiToken, TTokenScope } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { generateToken } from "./generate-token";
import { hashToken } from "./hash-token";
import { toApiTokenDto } from "./to-api-token-dto";

export interface NewApiToken {
  name: string;
  scopes: TTokenScope[];
  /** lowercase patterns; omitted: every repository */
  repositories?: string[];
  expiresAt?: Date;
}

/**
 * Stores a new database API token, unchecked (the operator's shell command, tests;
 * the API goes through grantApiToken). The clear token is returned once and never stored.
 */
export async function createApiToken(db: Db, input: NewApiToken): Promise<TCreatedApiToken> {
  const token = generateToken();
  const row = await db.apiToken.create({
    data: {
      name: input.name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, 8),
      scopes: input.scopes,
      repositories: input.repositories?.map((p) => p.toLowerCase()) ?? [],
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { ...toApiTokenDto(row), token };
}
