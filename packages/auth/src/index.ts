export { authenticate, type AuthenticateDeps } from "./authenticate";
export { createApiToken } from "./create-api-token";
export { grantApiToken } from "./grant-api-token";
export { hashToken } from "./hash-token";
export { listApiTokens } from "./list-api-tokens";
export { matchRepository } from "./match-repository";
export type { Principal } from "./principal";
export { requireScope } from "./require-scope";
export { revokeApiToken } from "./revoke-api-token";
