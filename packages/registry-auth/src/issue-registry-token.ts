import { randomUUID, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";

/** What the token service signs with; the registry trusts `certificate` (rootcertbundle). */
export interface TokenSigner {
  key: KeyObject;
  /** DER of the self-signed certificate of `key`, base64 (the JWT's x5c chain) */
  certificateDer: string;
  /** the registry's `auth.token.issuer` */
  issuer: string;
  /** the registry's `auth.token.service` (the token's audience) */
  service: string;
}

export interface TokenAccess {
  type: "repository";
  name: string;
  actions: string[];
}

/** Docker registry tokens are short: a build that runs longer simply asks for another. */
export const TOKEN_TTL_S = 300;

/** A registry bearer token (RS256 JWT, Docker's token spec) for `access`. */
export function issueRegistryToken(signer: TokenSigner, subject: string, access: TokenAccess[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ access })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", x5c: [signer.certificateDer] })
    .setIssuer(signer.issuer)
    .setAudience(signer.service)
    .setSubject(subject)
    .setIssuedAt(now)
    .setNotBefore(now - 10)
    .setExpirationTime(now + TOKEN_TTL_S)
    .setJti(randomUUID())
    .sign(signer.key);
}
