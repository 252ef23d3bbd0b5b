export { rotateSecretKey } from "./rotate-secret-key";
export { SecretBox } from "./secret-box";
export { SecretStore, type SecretInfo, type SecretInput } from "./secret-store";
