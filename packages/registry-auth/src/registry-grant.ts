import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** Registry actions a grant can carry (Docker's token spec names). */
const ZAction = z.enum(["pull", "push", "delete"]);
export type TRegistryAction = z.infer<typeof ZAction>;

/**
 * Repository names a grant covers: an exact name (`github/42`) or a prefix ending in `/*`
 * (`base/*`: every repository under base/).
 */
const ZAccess = z.object({
  name: z.string().regex(/^[a-z0-9._/-]+(\/\*)?$/, "must be a repository name, or a prefix ending in /*"),
  actions: z.array(ZAction).min(1),
});
export type TRegistryAccess = z.infer<typeof ZAccess>;

const ZGrant = z.object({
  v: z.literal(1),
  /** who holds it, e.g. "build-<id>", "publisher": the Basic username (so no `:`) and the
   * token's `sub`, which the registry logs */
  sub: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, "letters, digits, . _ - only"),
  access: z.array(ZAccess).max(32),
  /** unix seconds */
  exp: z.number().int().positive(),
});
export type TRegistryGrant = z.infer<typeof ZGrant>;

export interface RegistryCredential {
  username: string;
  password: string;
}

const sign = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest();

/**
 * A credential for the internal registry that carries its own grant: the password is the
 * grant (JSON, base64url) and an HMAC of it under SLIPWAY_REGISTRY_SECRET, so the token service
 * needs no database and a worker can make one per build. A build holding its credential can
 * read what its grant says, nothing else, until `exp`.
 */
export function mintRegistryCredential(
  secret: string,
  grant: { sub: string; access: TRegistryAccess[]; ttlSeconds: number },
): RegistryCredential {
  const body: TRegistryGrant = ZGrant.parse({
    v: 1,
    sub: grant.sub,
    access: grant.access,
    exp: Math.floor(Date.now() / 1000) + grant.ttlSeconds,
  });
  const payload = Buffer.from(JSON.stringify(body)).toString("base64url");
  return { username: grant.sub, password: `slwr1.${payload}.${sign(secret, payload).toString("base64url")}` };
}

/** The grant a credential carries, or undefined if it is forged, altered, malformed or expired. */
export function verifyRegistryCredential(secret: string, username: string, password: string): TRegistryGrant | undefined {
  const m = /^slwr1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(password);
  if (!m) return undefined;
  const expected = sign(secret, m[1]!);
  const given = Buffer.from(m[2]!, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let grant: TRegistryGrant;
  try {
    grant = ZGrant.parse(JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8")));
  } catch {
    return undefined;
  }
  if (grant.sub !== username || grant.exp <= Math.floor(Date.now() / 1000)) return undefined;
  return grant;
}

/** The actions of `wanted` that the grant allows on repository `name`. */
export function grantedActions(grant: TRegistryGrant, name: string, wanted: readonly string[]): TRegistryAction[] {
  const allowed = new Set<string>();
  for (const a of grant.access) {
    const covers = a.name.endsWith("/*") ? name.startsWith(a.name.slice(0, -1)) && name.length > a.name.length - 1 : name === a.name;
    if (covers) for (const action of a.actions) allowed.add(action);
  }
  return wanted.filter((w): w is TRegistryAction => allowed.has(w));
}
