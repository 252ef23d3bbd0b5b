import { RequestError } from "@octokit/request-error";

export type GithubErrorClass =
  /** GitHub 5xx, 429 without a reset time, timeouts, network errors: retry with backoff */
  | { kind: "retry"; message: string }
  /** a rate limit: wait until GitHub says the limit resets */
  | { kind: "rate-limited"; until: number; message: string }
  /** anything else (401 bad credentials, 403 forbidden, 404, 422 validation): retrying will not help */
  | { kind: "permanent"; message: string };

const header = (headers: Record<string, unknown> | undefined, name: string) => {
  const v = headers?.[name];
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
};

/**
 * What to do after a GitHub API call failed. Rate limits are read as GitHub documents them:
 * `retry-after` (seconds; secondary limits, 403 or 429), or `x-ratelimit-remaining: 0` with
 * `x-ratelimit-reset` (epoch seconds; primary limit, 403 or 429).
 */
export function classifyGithubError(err: unknown, now = Date.now()): GithubErrorClass {
  if (!(err instanceof RequestError)) {
    return { kind: "retry", message: err instanceof Error ? err.message : String(err) };
  }
  const headers = err.response?.headers as Record<string, unknown> | undefined;
  const message = `GitHub answered ${err.status}: ${err.message}`.slice(0, 500);
  if (err.status === 403 || err.status === 429) {
    const retryAfter = Number(header(headers, "retry-after"));
    if (Number.isFinite(retryAfter) && retryAfter >= 0) return { kind: "rate-limited", until: now + retryAfter * 1000, message };
    const reset = Number(header(headers, "x-ratelimit-reset"));
    if (header(headers, "x-ratelimit-remaining") === "0" && Number.isFinite(reset))
      return { kind: "rate-limited", until: Math.max(reset * 1000, now), message };
    if (err.status === 429) return { kind: "retry", message };
  }
  // @octokit/request reports network errors and timeouts as status 500.
  if (err.status >= 500) return { kind: "retry", message };
  return { kind: "permanent", message };
}
