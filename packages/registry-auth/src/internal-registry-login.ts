import { mintRegistryCredential, type RegistryCredential, type TRegistryAction } from "./registry-grant";

/**
 * RegistryClient credentials (its `credentials` option) for the internal registry: a fresh
 * grant of `actions` on every repository's images (github/*) for the internal registry's host,
 * nothing for any other host.
 */
export function internalRegistryLogin(
  secret: string,
  internalRegistry: string,
  who: { sub: string; actions: TRegistryAction[] },
): (host: string) => RegistryCredential | undefined {
  return (host) =>
    host === internalRegistry
      ? mintRegistryCredential(secret, { sub: who.sub, access: [{ name: "github/*", actions: who.actions }], ttlSeconds: 900 })
      : undefined;
}
