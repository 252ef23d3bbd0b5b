import { isReachWithin, type TRegistryCredential, type TRepositoryReach } from "@slipway/contracts";
import type { SecretStore } from "@slipway/secrets";
import { toRegistryCredentialDto } from "./to-registry-credential-dto";

/**
 * GET /api/v1/registries: stored registry credentials without passwords. A caller limited to
 * some repositories sees only credentials whose repositories lie within its own.
 */
export async function listRegistryCredentials(store: SecretStore, reach: TRepositoryReach): Promise<{ registries: TRegistryCredential[] }> {
  const rows = await store.list("registry");
  return { registries: rows.filter((r) => isReachWithin(r.repositories, reach)).map(toRegistryCredentialDto) };
}
