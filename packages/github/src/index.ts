export { describeCheckRun, describeCommitStatus, type BuildReportState } from "./describe-build";
export { OctokitGithubClient, type GithubSettings } from "./octokit-github-client";
export { ReportWorker } from "./report-worker";
export type { GithubClient, HookDelivery } from "./github-client";
export { redeliverFailedDeliveries, type RedeliverDeps, type RedeliverOptions, type RedeliveryCounts } from "./redeliver-failed-deliveries";
