import { isReachWithin, AppError, type TRegistryCredential, type TRepositoryReach } from "@slipway/contracts";
import type { SecretStore } from "@slipway/secrets";
import { registryCredentialHost } from "./registry-credential-host";
import { toRegistryCredentialDto } from "./to-registry-credential-dto";

/**
 * DELETE /api/v1/registries/:host: removes the host's credential (publishes to it then fail,
 * unless the host is in SLIPWAY_PUBLIC_PUBLISH_HOSTS) and answers what it was, without the
 * password. One beyond the caller's reach answers 404, as a host without one does.
 */
export async function deleteRegistryCredential(store: SecretStore, rawHost: string, reach: TRepositoryReach): Promise<TRegistryCredential> {
  const host = registryCredentialHost(rawHost);
  const existing = await store.find("registry", host);
  if (!existing || !isReachWithin(existing.repositories, reach) || !(await store.delete("registry", host))) {
    throw new AppError("not_found", `no registry credential for ${host}`);
  }
  return toRegistryCredentialDto(existing);
}
