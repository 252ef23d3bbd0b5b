import { createAppAuth } from "@octokit/auth-app";
import { RequestError } from "@octokit/request-error";
import { Octokit } from "@octokit/rest";
import type { CheckRunFields, CommitStatusFields, GithubClient, HookDelivery } from "./github-client";
import { expiringTokenCache } from "./expiring-token-cache";

/** GitHub settings (SLIPWAY_GITHUB_*): a PAT, or a GitHub App's id and private key. */
export interface GithubSettings {
  /** REST API base @defaultValue https://api.github.com */
  apiUrl: string;
  auth: { kind: "token"; token: string } | { kind: "app"; appId: string; privateKey: string };
}

/** Permissions asked for each use: nothing more than that use needs. */
const GIT_PERMISSIONS = { contents: "read" } as const;
const CHECKS_PERMISSIONS = { checks: "write" } as const;
/** GitHub's largest page of hook deliveries */
const DELIVERIES_PER_PAGE = 100;
/** how long a repository's installation id is remembered @defaultValue 10 minutes */
const INSTALLATION_TTL_MS = 10 * 60_000;

const split = (fullName: string) => {
  const [owner, repo] = fullName.split("/") as [string, string];
  return { owner, repo };
};

/**
 * GithubClient over @octokit/rest. With an App: the repository's installation is looked up
 * with the App's JWT (`GET /repos/{owner}/{repo}/installation`, remembered 10 minutes), and
 * each use gets an installation token narrowed to that one repository and the permission it
 * needs (contents:read for git, checks:write for check runs), cached by @octokit/auth-app until
 * shortly before it expires. The App's webhook deliveries are listed and redelivered with the
 * App's JWT. With a PAT: the PAT. Every request has a time limit.
 */
export class OctokitGithubClient implements GithubClient {
  readonly mode: "app" | "token";
  private readonly app: Octokit | undefined;
  private readonly installations = new Map<string, { id: number; at: number }>();
  private readonly fetchWithTimeout: typeof fetch;

  /** @param requestTimeoutMs each request's limit @defaultValue 20000 */
  constructor(
    private readonly settings: GithubSettings,
    requestTimeoutMs = 20_000,
  ) {
    this.mode = settings.auth.kind;
    this.fetchWithTimeout = (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
    if (settings.auth.kind === "app") {
      this.app = new Octokit({
        baseUrl: settings.apiUrl,
        authStrategy: createAppAuth,
        auth: { appId: settings.auth.appId, privateKey: settings.auth.privateKey, cache: expiringTokenCache() },
        request: { fetch: this.fetchWithTimeout },
        log: quietLog,
      });
    }
  }

  async gitToken(fullName: string): Promise<string | undefined> {
    if (this.settings.auth.kind === "token") return this.settings.auth.token;
    return this.installationToken(fullName, GIT_PERMISSIONS, true);
  }

  async createCheckRun(fullName: string, headSha: string, name: string, fields: CheckRunFields): Promise<number> {
    const octokit = await this.forChecks(fullName);
    const { data } = await octokit.rest.checks.create({ ...split(fullName), head_sha: headSha, name, ...fields });
    return data.id;
  }

  async updateCheckRun(fullName: string, id: number, fields: CheckRunFields): Promise<void> {
    const octokit = await this.forChecks(fullName);
    await octokit.rest.checks.update({ ...split(fullName), check_run_id: id, ...fields });
  }

  async createCommitStatus(fullName: string, sha: string, fields: CommitStatusFields): Promise<void> {
    if (this.settings.auth.kind !== "token") throw new Error("commit statuses are reported with a token; an App reports check runs");
    await this.octokit(this.settings.auth.token).rest.repos.createCommitStatus({ ...split(fullName), sha, ...fields });
  }

  async listHookDeliveries(since: number, maxPages = 10): Promise<{ deliveries: HookDelivery[]; complete: boolean }> {
    // A PAT has no App webhook to list: the farm's webhook is then a repository or
    // organisation hook, whose deliveries need admin rights the farm does not ask for.
    if (!this.app) return { deliveries: [], complete: true };
    const deliveries: HookDelivery[] = [];
    let pages = 0;
    // No `status=failure` filter: GitHub counts only 400-599 as failures, so deliveries that
    // got no answer at all (status_code 0) would be missed, and the successful later attempts
    // that tell a guid needs nothing would not be seen either.
    const iterator = this.app.paginate.iterator(this.app.rest.apps.listWebhookDeliveries, { per_page: DELIVERIES_PER_PAGE });
    for await (const { data } of iterator) {
      pages++;
      let older = false;
      for (const d of data) {
        if (Date.parse(d.delivered_at) < since) {
          older = true;
          continue;
        }
        deliveries.push({
          id: Number(d.id),
          guid: d.guid,
          deliveredAt: d.delivered_at,
          redelivery: d.redelivery,
          statusCode: d.status_code,
          event: d.event,
          action: d.action,
        });
      }
      // Newest first: a page reaching past `since` is the last one needed.
      if (older) return { deliveries, complete: true };
      if (pages >= maxPages) return { deliveries, complete: false };
    }
    return { deliveries, complete: true };
  }

  async redeliverHookDelivery(id: number): Promise<void> {
    if (!this.app) return;
    await this.app.rest.apps.redeliverWebhookDelivery({ delivery_id: id });
  }

  private async forChecks(fullName: string): Promise<Octokit> {
    const token = await this.installationToken(fullName, CHECKS_PERMISSIONS, false);
    if (!token)
      throw new RequestError(`the GitHub App is not installed on ${fullName}`, 404, {
        request: { method: "GET", url: `/repos/${fullName}/installation`, headers: {} },
      });
    return this.octokit(token);
  }

  private octokit(token: string): Octokit {
    return new Octokit({ baseUrl: this.settings.apiUrl, auth: token, request: { fetch: this.fetchWithTimeout }, log: quietLog });
  }

  /** An installation token for one repository; undefined (when `missingOk`) if the App is not installed there. */
  private async installationToken(
    fullName: string,
    permissions: Record<string, "read" | "write">,
    missingOk: boolean,
  ): Promise<string | undefined> {
    const app = this.app!;
    const key = fullName.toLowerCase();
    let installation = this.installations.get(key);
    if (!installation || Date.now() - installation.at > INSTALLATION_TTL_MS) {
      try {
        const { data } = await app.rest.apps.getRepoInstallation(split(fullName));
        installation = { id: data.id, at: Date.now() };
        this.installations.set(key, installation);
      } catch (err) {
        if (missingOk && err instanceof RequestError && err.status === 404) return undefined;
        throw err;
      }
    }
    try {
      const auth = (await app.auth({
        type: "installation",
        installationId: installation.id,
        repositoryNames: [split(fullName).repo],
        permissions,
      })) as { token: string };
      return auth.token;
    } catch (err) {
      // The App was uninstalled or the repository removed from it: look it up again next time.
      if (err instanceof RequestError && (err.status === 404 || err.status === 422 || err.status === 401)) this.installations.delete(key);
      throw err;
    }
  }
}

/** Octokit's own logger writes with console; the reporter logs outcomes itself (pino). */
const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
