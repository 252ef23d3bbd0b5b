/** A check run's fields as GitHub's REST API takes them (create and update). */
export interface CheckRunFields {
  status: "queued" | "in_progress" | "completed";
  /** required with `completed` */
  conclusion?: "success" | "failure" | "cancelled" | "neutral";
  /** the build's page on the dashboard (absent without SLIPWAY_PUBLIC_URL) */
  details_url?: string;
  /** the build id */
  external_id: string;
  started_at?: string;
  completed_at?: string;
  output: { title: string; summary: string; text?: string };
}

/** A commit status as GitHub's REST API takes it. */
export interface CommitStatusFields {
  state: "pending" | "success" | "failure" | "error";
  /** at most 140 characters (GitHub's limit) */
  description: string;
  context: string;
  target_url?: string;
}

/**
 * What the farm asks of GitHub: the seam between orchestration (git credentials, the reporter)
 * and GitHub's API. The real one is OctokitGithubClient; tests drive it against a local
 * stand-in of GitHub. Methods throw on GitHub's errors (see classifyGithubError).
 * Safe for concurrent use.
 */
export interface GithubClient {
  /** "app": check runs with installation tokens; "token": commit statuses with a PAT */
  readonly mode: "app" | "token";
  /**
   * A token git may fetch `owner/repo` with: the PAT, or an installation token narrowed to
   * that one repository and `contents: read`. Undefined when the App is not installed on it.
   */
  gitToken(fullName: string): Promise<string | undefined>;
  /** POST /repos/{owner}/{repo}/check-runs; returns the check run's id */
  createCheckRun(fullName: string, headSha: string, name: string, fields: CheckRunFields): Promise<number>;
  /** PATCH /repos/{owner}/{repo}/check-runs/{id} */
  updateCheckRun(fullName: string, id: number, fields: CheckRunFields): Promise<void>;
  /** POST /repos/{owner}/{repo}/statuses/{sha} */
  createCommitStatus(fullName: string, sha: string, fields: CommitStatusFields): Promise<void>;
}
