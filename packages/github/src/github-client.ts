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

/** One attempt to deliver a webhook, as `GET /app/hook/deliveries` lists it (each redelivery is its own item). */
export interface HookDelivery {
  /** the attempt's id: what `redeliverHookDelivery` takes */
  id: number;
  /** X-GitHub-Delivery: the same for every attempt of one event */
  guid: string;
  /** ISO 8601 */
  deliveredAt: string;
  redelivery: boolean;
  /** the answer's HTTP status; 0 when there was none (timeout, connection refused) */
  statusCode: number;
  event: string;
  action: string | null;
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
  /**
   * GET /app/hook/deliveries (the App's JWT): the attempts delivered at or after `since`
   * (epoch ms), newest first, at most `maxPages` pages of 100. Empty with a PAT: only an App
   * has a webhook whose deliveries the API lists.
   */
  listHookDeliveries(since: number, maxPages?: number): Promise<{ deliveries: HookDelivery[]; complete: boolean }>;
  /** POST /app/hook/deliveries/{id}/attempts (the App's JWT): GitHub delivers it again. Does nothing with a PAT. */
  redeliverHookDelivery(id: number): Promise<void>;
}
