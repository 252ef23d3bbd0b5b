import { randomBytes } from "node:crypto";

/** A new random API token: "slw_" + 40 base64url characters (240 bits). */
export function generateToken(): string {
  return `slw_${randomBytes(30).toString("base64url")}`;
}
