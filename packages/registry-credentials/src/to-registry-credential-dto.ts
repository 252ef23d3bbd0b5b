import type { TRegistryCredential } from "@slipway/contracts";
import type { SecretInfo } from "@slipway/secrets";

/** What the API shows of a stored registry credential: never its password. */
export function toRegistryCredentialDto(s: SecretInfo): TRegistryCredential {
  return { host: s.name, username: s.username, repositories: s.repositories, updatedAt: s.updatedAt.toISOString() };
}
