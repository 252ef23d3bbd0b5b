import { z } from "zod";

/** The dashboard's session cookie: the API token sealed (AES-256-GCM) with an expiry, http-only. */
export const SESSION_COOKIE = "slipway_session";

/**
 * The header a cookie-authenticated request that changes state (POST, PUT, PATCH, DELETE)
 * must carry, with the value "1". A page of another origin cannot send a custom header
 * without a CORS preflight, which the api never grants (cross-site request forgery).
 */
export const CSRF_HEADER = "x-slipway-csrf";

/** POST /api/v1/session: sign in with an API token. */
export const ZCreateSessionBody = z.strictObject({
  token: z.string({ error: "is required: an API token" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
});
export type TCreateSessionBody = z.infer<typeof ZCreateSessionBody>;

/** Who is signed in (POST and GET /api/v1/session): never the token itself. */
export const ZSession = z.object({
  name: z.string(),
  scopes: z.array(z.string()),
  /** null: every repository */
  repositories: z.array(z.string()).nullable(),
  /** when the session ends (its own limit, or the token's expiry if sooner); null for a bearer request */
  expiresAt: z.string().nullable(),
});
export type TSession = z.infer<typeof ZSession>;
