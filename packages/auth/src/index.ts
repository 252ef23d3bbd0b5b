export { authenticate, type AuthenticateDeps, type Principal } from "./authenticate";
export { createApiToken } from "./create-api-token";
export { hashToken } from "./hash-token";
