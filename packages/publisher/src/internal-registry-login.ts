import { mintRegistryCredential, type RegistryCredential } from "@slipway/registry-auth";

/**
 * RegistryClient credentials for the internal registry: pull on every repository's images
 * (github/*), nothing else — the publisher copies out of the internal registry, never into it.
 * Other hosts get none here (publish targets' credentials are a separate store).
 */
export function internalRegistryLogin(secret: string, internalRegistry: string): (host: string) => RegistryCredential | undefined {
  return (host) =>
    host === internalRegistry
      ? mintRegistryCredential(secret, { sub: "publisher", access: [{ name: "github/*", actions: ["pull"] }], ttlSeconds: 900 })
      : undefined;
}
