import { isReachWithin, type TBuildSecret, type TRepositoryReach } from "@slipway/contracts";
import type { SecretStore } from "./secret-store";
import { toBuildSecretDto } from "./to-build-secret-dto";

/** GET /api/v1/secrets: build secrets by name, without values; a limited caller sees those wholly within its reach. */
export async function listBuildSecrets(store: SecretStore, reach: TRepositoryReach): Promise<{ secrets: TBuildSecret[] }> {
  const rows = await store.list("build");
  return { secrets: rows.filter((s) => isReachWithin(s.repositories, reach)).map(toBuildSecretDto) };
}
