import { AppError } from "@slipway/contracts";
import { SecretBox } from "@slipway/secrets";

// Authenticated data of every session cookie: a value sealed for another purpose with the
// same key does not open as a session.
const AAD = "slipway-dashboard-session";

/**
 * Seals an API token into the dashboard's session cookie and opens it again: AES-256-GCM
 * (SecretBox) under SLIPWAY_SESSION_KEY, with the session's expiry inside the sealed value.
 * Stateless: every api replica with the key opens it, and the token inside is authenticated
 * on every request as if it came in a bearer header, so revoking or expiring the token ends
 * the session at once. An altered or forged cookie fails the GCM tag: 401.
 */
export class SessionSealer {
  private readonly box: SecretBox;

  /** `keyHex`: 32 random bytes as 64 hex digits; `ttlMs`: how long a session lasts @defaultValue 12 h */
  constructor(
    keyHex: string,
    readonly ttlMs = 12 * 3600_000,
  ) {
    this.box = new SecretBox(keyHex);
  }

  /** A cookie value for `token`, ending after the session's lifetime or at `tokenExpiresAt`, whichever is first. */
  seal(token: string, tokenExpiresAt: Date | null, now = new Date()): { value: string; expiresAt: Date } {
    const limit = now.getTime() + this.ttlMs;
    const expiresAt = new Date(tokenExpiresAt ? Math.min(limit, tokenExpiresAt.getTime()) : limit);
    return { value: this.box.seal(JSON.stringify({ t: token, e: expiresAt.getTime() }), AAD), expiresAt };
  }

  /** The token inside a cookie value and when its session ends; 401 when forged, altered, sealed under another key or expired. */
  open(value: string, now = new Date()): { token: string; expiresAt: Date } {
    let inner: unknown;
    try {
      inner = JSON.parse(this.box.open(value, AAD));
    } catch {
      throw new AppError("unauthorized", "the session cookie is not valid; sign in again");
    }
    const { t, e } = (inner ?? {}) as { t?: unknown; e?: unknown };
    if (typeof t !== "string" || typeof e !== "number")
      throw new AppError("unauthorized", "the session cookie is not valid; sign in again");
    if (e <= now.getTime()) throw new AppError("unauthorized", "the session has expired; sign in again");
    return { token: t, expiresAt: new Date(e) };
  }
}
