export { ZERO_SHA, ZGithubPushPayload, type TGithubPushPayload } from "./github-push";
export {
  CANCEL_CHANNEL, githubReportMessage, logStreamKey, OUTBOX_BUILD_ENQUEUE, OUTBOX_GITHUB_REPORT, OUTBOX_PUBLISH_ENQUEUE, ZBuildJobData, ZPublishJobData, ZReportJobData,
  type TBuildJobData, type TPublishJobData, type TReportEvent, type TReportJobData,
} from "./jobs";
export {
  ZApiError, ZBuild, ZBuildList, ZBuildStep, ZPublish, type TBuildStep, type TPublish, ZBuildStatus, ZListBuildsQuery, ZWebhookAccepted,
  type TApiError, type TBuild, type TBuildList, type TBuildStatus, type TListBuildsQuery, type TWebhookAccepted,
} from "./api";
export { AppError, ERROR_STATUS, type TErrorCode } from "./app-error";
export { GITHUB_OWNER, GITHUB_REPO, isGithubFullName, zGithubFullName } from "./github-names";
export { internalCachePath, internalImagePath } from "./internal-image-path";
export {
  ZApiToken, ZCreatedApiToken, ZCreateTokenBody, ZRepositoryPattern, ZTokenScope,
  type TApiToken, type TCreatedApiToken, type TCreateTokenBody, type TRepositoryReach, type TTokenScope,
} from "./api-tokens";
export { parseInput } from "./parse-input";
export { ZBuildConfig, type TBuildConfig } from "./build-config";
export { sanitizeTag } from "./sanitize-tag";
export { isUuid } from "./uuid";
