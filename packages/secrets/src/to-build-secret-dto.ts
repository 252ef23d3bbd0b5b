import type { TBuildSecret } from "@slipway/contracts";
import type { SecretInfo } from "./secret-store";

/** A build secret as the API shows it: name, repositories, updatedAt; never the value. */
export const toBuildSecretDto = (s: SecretInfo): TBuildSecret => ({
  name: s.name,
  repositories: s.repositories,
  updatedAt: s.updatedAt.toISOString(),
});
