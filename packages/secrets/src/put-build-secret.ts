import { AppError, isReachWithin, type TBuildSecret, type TPutSecretBody, type TRepositoryReach } from "@slipway/contracts";
import { checkSecretName } from "./check-secret-name";
import type { SecretStore } from "./secret-store";
import { toBuildSecretDto } from "./to-build-secret-dto";

/**
 * PUT /api/v1/secrets/:name: creates or replaces a build secret, never beyond the caller's
 * reach. A caller limited to some repositories may only allow repositories within them, and
 * may not replace a secret that others outside its reach use (it could swap the value their
 * builds get). Names are one namespace for the farm, so that refusal does tell a limited
 * caller that the name is taken; it never shows the secret itself.
 */
export async function putBuildSecret(
  store: SecretStore,
  reach: TRepositoryReach,
  name: string,
  body: TPutSecretBody,
): Promise<TBuildSecret> {
  checkSecretName(name);
  if (!isReachWithin(body.repositories, reach)) {
    throw new AppError("forbidden", `this API token is limited to ${reach?.join(", ")}: "repositories" must lie within that`);
  }
  const existing = await store.find("build", name);
  if (existing && !isReachWithin(existing.repositories, reach)) {
    throw new AppError(
      "forbidden",
      `a build secret named ${name} is used by repositories beyond this API token's reach (${reach?.join(", ")}); only a token that reaches them may replace it`,
    );
  }
  return toBuildSecretDto(await store.put({ kind: "build", name, value: body.value, repositories: body.repositories }));
}
