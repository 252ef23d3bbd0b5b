import { execFileSync } from "node:child_process";

/**
 * Writes an RSA key and a self-signed certificate for it (openssl, valid one day): what a
 * token service signs with and a registry trusts through `rootcertbundle`. The farm's set-up
 * makes its own in infra/services.sh; tests and their token-service stand-ins use this.
 */
export function writeSelfSignedCert(keyPath: string, certPath: string, commonName: string): void {
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", `/CN=${commonName}`],
    { stdio: "ignore" },
  );
}
