export { ZERO_SHA, ZGithubPushPayload, type TGithubPushPayload, type TGithubRepository } from "./github-push";
export { PULL_REQUEST_BUILD_ACTIONS, ZGithubPullRequestPayload, type TGithubPullRequestPayload } from "./github-pull-request";
export {
  CANCEL_CHANNEL,
  githubReportMessage,
  logStreamKey,
  OUTBOX_BUILD_ENQUEUE,
  OUTBOX_GITHUB_REPORT,
  OUTBOX_PUBLISH_ENQUEUE,
  ZBuildJobData,
  ZPublishJobData,
  ZReportJobData,
  type TBuildJobData,
  type TPublishJobData,
  type TReportEvent,
  type TReportJobData,
} from "./jobs";
export {
  NO_EARLIER_BUILD,
  ZApiError,
  ZBuild,
  ZBuildList,
  ZBuildStep,
  ZBuildStepList,
  ZPublish,
  ZPublishList,
  type TBuildStep,
  type TPublish,
  ZBuildStatus,
  ZListBuildsQuery,
  ZWebhookAccepted,
  type TApiError,
  type TBuild,
  type TBuildList,
  type TBuildStatus,
  type TListBuildsQuery,
  type TWebhookAccepted,
} from "./api";
export { AppError, ERROR_STATUS, type TErrorCode } from "./app-error";
export { GITHUB_OWNER, GITHUB_REPO, isGithubFullName, zGithubFullName } from "./github-names";
export { internalCachePath, internalImagePath } from "./internal-image-path";
export {
  ZApiToken,
  ZApiTokenList,
  ZCreatedApiToken,
  ZCreateTokenBody,
  ZRepositoryPattern,
  ZTokenScope,
  type TApiToken,
  type TCreatedApiToken,
  type TCreateTokenBody,
  type TRepositoryReach,
  type TTokenScope,
} from "./api-tokens";
export { parseInput } from "./parse-input";
export {
  ZPublishRetry,
  ZRegistryCredential,
  ZRegistryCredentialBody,
  ZRegistryCredentialList,
  type TPublishRetry,
  type TRegistryCredential,
  type TRegistryCredentialBody,
} from "./registry-credentials";
export { ZBuildConfig, type TBuildConfig } from "./build-config";
export {
  SECRET_NAME,
  SECRET_NAME_RULE,
  ZBuildSecret,
  ZBuildSecretList,
  ZPutSecretBody,
  type TBuildSecret,
  type TPutSecretBody,
} from "./build-secrets";
export { isReachWithin } from "./is-reach-within";
export { matchRepository } from "./match-repository";
export { sanitizeTag } from "./sanitize-tag";
export { isUuid } from "./uuid";
export { ZFarmEventData, type TFarmEvent, type TFarmEventData } from "./farm-events";
export { stepOfEvent } from "./step-of-event";
export { ZQueueCounts, ZWorkerInfo, ZWorkerList, type TQueueCounts, type TWorkerInfo, type TWorkerList } from "./farm-state";
export { ZRepository, ZRepositoryList, ZRepositorySettings, type TRepository, type TRepositorySettings } from "./repositories";
export { ZCreateBuildBody, type TCreateBuildBody } from "./create-build";
export { CSRF_HEADER, SESSION_COOKIE, ZCreateSessionBody, ZSession, type TCreateSessionBody, type TSession } from "./session";
export { parseStepName, type StepName } from "./parse-step-name";
