export { describeCheckRun, describeCommitStatus, type BuildReportState } from "./describe-build";
export type { GithubClient } from "./github-client";
export { OctokitGithubClient, type GithubSettings } from "./octokit-github-client";
export { ReportWorker } from "./report-worker";
