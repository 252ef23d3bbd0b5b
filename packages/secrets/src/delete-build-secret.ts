import { AppError, isReachWithin, type TRepositoryReach } from "@slipway/contracts";
import { checkSecretName } from "./check-secret-name";
import type { SecretStore } from "./secret-store";

/**
 * DELETE /api/v1/secrets/:name. A secret beyond the caller's reach answers 404, exactly as a
 * name that is not stored. (Check and delete are two statements: a concurrent PUT by a wider
 * token in between is deleted with it, which that token could have done itself.)
 */
export async function deleteBuildSecret(store: SecretStore, reach: TRepositoryReach, name: string): Promise<void> {
  checkSecretName(name);
  const existing = await store.find("build", name);
  if (!existing || !isReachWithin(existing.repositories, reach) || !(await store.delete("build", name))) {
    throw new AppError("not_found", `no build secret named ${name}`);
  }
}
