export { deleteBuildSecret } from "./delete-build-secret";
export { listBuildSecrets } from "./list-build-secrets";
export { putBuildSecret } from "./put-build-secret";
export { rotateSecretKey } from "./rotate-secret-key";
export { SecretBox } from "./secret-box";
export { SecretStore, type SecretInfo, type SecretInput } from "./secret-store";
