export { defaultTags, type TagInput } from "./default-tags";
export { executePublish, type PublishDeps, type PublishOutcome } from "./execute-publish";
export { PublishWorker } from "./publish-worker";
export { internalRegistryLogin } from "./internal-registry-login";
