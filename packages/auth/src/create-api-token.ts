import type { Db } from "@slipway/db";
import { generateToken, hashToken } from "./hash-token";

/** Creates a database API token; the clear token is returned once and never stored. */
export async function createApiToken(db: Db, input: { name: string; scopes?: string[]; expiresAt?: Date }): Promise<{ id: string; token: string }> {
  const token = generateToken();
  const row = await db.apiToken.create({
    data: { name: input.name, tokenHash: hashToken(token), prefix: token.slice(0, 8), scopes: input.scopes ?? [], expiresAt: input.expiresAt ?? null },
  });
  return { id: row.id, token };
}
