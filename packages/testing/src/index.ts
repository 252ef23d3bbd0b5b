export { adminQuery, createTestDatabase, withDatabase, type TestDatabase } from "./databases";
export { postDelivery, type DeliveryRequest } from "./github-delivery";
export { freePort } from "./ports";
export { TestRedis } from "./redis-server";
export { testEnv } from "./test-env";
export { pushBusyboxBaseImage } from "./base-image";
export { TestGitServer } from "./git-server";
export { branchPushExample, githubExamples, withNewPush } from "./github-examples";
export { startFlakyProxy, type FlakyProxy, type Injector } from "./flaky-proxy";
