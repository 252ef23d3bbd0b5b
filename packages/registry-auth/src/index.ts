export { answerTokenRequest, type TokenAnswer, type TokenRequest } from "./answer-token-request";
export { buildRegistryAccess } from "./build-registry-access";
export { loadTokenSigner, REGISTRY_TOKEN_ISSUER, REGISTRY_TOKEN_SERVICE } from "./load-token-signer";
export type { TokenSigner } from "./issue-registry-token";
export { internalRegistryLogin } from "./internal-registry-login";
export { mintRegistryCredential, verifyRegistryCredential, type RegistryCredential, type TRegistryAccess } from "./registry-grant";
export { writeDockerConfig } from "./write-docker-config";
export { writeSelfSignedCert } from "./write-self-signed-cert";
