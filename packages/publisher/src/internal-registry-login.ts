import { internalRegistryLogin as login, type RegistryCredential } from "@slipway/registry-auth";

/**
 * RegistryClient credentials for the internal registry: pull on every repository's images
 * (github/*), nothing else — the publisher copies out of the internal registry, never into it.
 * Other hosts get none here (publish targets' credentials are a separate store).
 */
export function internalRegistryLogin(secret: string, internalRegistry: string): (host: string) => RegistryCredential | undefined {
  return login(secret, internalRegistry, { sub: "publisher", actions: ["pull"] });
}
