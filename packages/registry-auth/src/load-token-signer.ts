import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TokenSigner } from "./issue-registry-token";

/** The internal registry's `auth.token` service and issuer names (infra/services.sh writes the same). */
export const REGISTRY_TOKEN_SERVICE = "slipway-registry";
export const REGISTRY_TOKEN_ISSUER = "slipway";

/**
 * Reads the token signing key and its self-signed certificate (PEM files infra/services.sh
 * makes with openssl; the registry trusts the certificate through `rootcertbundle`).
 */
export function loadTokenSigner(keyPath: string, certPath: string): TokenSigner {
  const key = createPrivateKey(readFileSync(keyPath));
  const cert = new X509Certificate(readFileSync(certPath));
  if (!cert.checkPrivateKey(key)) throw new Error(`${certPath} is not the certificate of ${keyPath}`);
  return { key, certificateDer: cert.raw.toString("base64"), issuer: REGISTRY_TOKEN_ISSUER, service: REGISTRY_TOKEN_SERVICE };
}
