import { createHash } from "node:crypto";

/** Hex SHA-256 of a token: what the database stores instead of the token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
