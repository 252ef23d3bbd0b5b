import { requireScope, type Principal } from "@slipway/auth";
import { isReachWithin, AppError, type TRegistryCredential, type TRegistryCredentialBody } from "@slipway/contracts";
import type { SecretStore } from "@slipway/secrets";
import { registryCredentialHost } from "./registry-credential-host";
import { toRegistryCredentialDto } from "./to-registry-credential-dto";

/**
 * PUT /api/v1/registries/:host: stores (or replaces) the host's credential, sealed. An admin
 * never hands out more than it reaches: the credential's repositories must lie within the
 * caller's (an admin of `acme/*` cannot let `other/app` publish with the farm's credentials),
 * and a credential already stored for repositories beyond the caller's reach is not replaced
 * (it would take publishing away from them, or point it at another account). Answers what may
 * be shown: never the password.
 */
export async function putRegistryCredential(
  store: SecretStore,
  principal: Principal,
  rawHost: string,
  body: TRegistryCredentialBody,
): Promise<TRegistryCredential> {
  requireScope(principal, "admin");
  const host = registryCredentialHost(rawHost);
  if (!isReachWithin(body.repositories, principal.repositories)) {
    throw new AppError(
      "forbidden",
      `this API token is limited to ${principal.repositories?.join(", ")}: "repositories" must lie within that`,
    );
  }
  const existing = await store.find("registry", host);
  if (existing && !isReachWithin(existing.repositories, principal.repositories)) {
    throw new AppError(
      "forbidden",
      `a credential for ${host} is stored for repositories beyond this API token's reach; only a token that reaches all of them can replace it`,
    );
  }
  const saved = await store.put({
    kind: "registry",
    name: host,
    username: body.username,
    value: body.password,
    repositories: body.repositories,
  });
  return toRegistryCredentialDto(saved);
}
