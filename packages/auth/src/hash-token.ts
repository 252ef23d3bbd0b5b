import { createHash, randomBytes } from "node:crypto";

/** Hex SHA-256 of a token: what the database stores instead of the token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new random API token, "slw_" + 40 base62-ish characters. */
export function generateToken(): string {
  return `slw_${randomBytes(30).toString("base64url")}`;
}
