import { generateKeyPairSync, randomBytes, verify, type KeyObject } from "node:crypto";
import http from "node:http";
import { StandInHookDeliveries } from "./stand-in-hook-deliveries";

/** What the stand-in recorded of one request. */
export interface StandInRequest {
  method: string;
  path: string;
  /** the query string's parameters */
  query: Record<string, string>;
  body: any;
  /** how the request authenticated: the App's JWT, an installation token, a PAT, or not */
  auth: { kind: "jwt" | "installation" | "pat" | "none" | "invalid"; token?: string; installationId?: number };
  status: number;
}

interface IssuedToken {
  token: string;
  installationId: number;
  expiresAt: number;
  /** repository full names (lowercase) the token may reach */
  repositories: string[];
  permissions: Record<string, "read" | "write">;
}

export interface StandInCheckRun {
  id: number;
  repository: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  started_at: string | null;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
}

type Failure = "502" | "rate-limit" | "secondary-rate-limit";
const DOCS = "https://docs.github.com/rest";
const INSTALLATION_PERMISSIONS = { metadata: "read", contents: "read", checks: "write", statuses: "write", pull_requests: "read" } as const;
const CHECK_STATUSES = ["queued", "in_progress", "completed"];
const ACTIONS_ONLY_STATUSES = ["waiting", "requested", "pending"];
const CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];
const STATUS_STATES = ["error", "failure", "pending", "success"];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: unknown[],
  ) {
    super(message);
  }
}

/**
 * A local stand-in for GitHub's REST API, answering exactly what Slipway calls, the way GitHub
 * documents it: the App's repository installation, installation access tokens (the App's JWT is
 * verified: RS256 with the App's public key, iss = app id, iat/exp within GitHub's 10-minute
 * rule; tokens honour `repositories`/`permissions` narrowing and expire), check runs (create,
 * update) and commit statuses, each checking its token's repository and permission, and
 * validating bodies (status and conclusion values, conclusion with completed, output title and
 * summary, description length), and the App webhook's deliveries (listed and redelivered with
 * the App's JWT only: see StandInHookDeliveries). Errors carry GitHub's JSON body. Every request is recorded;
 * `failNext` makes the next requests fail with a 502 or a rate limit.
 */
export class GithubStandIn {
  readonly appId = String(100_000 + Math.floor(Math.random() * 800_000));
  readonly privateKeyPem: string;
  readonly requests: StandInRequest[] = [];
  readonly checkRuns = new Map<number, StandInCheckRun>();
  readonly statuses: {
    repository: string;
    sha: string;
    state: string;
    description: string | null;
    target_url: string | null;
    context: string;
  }[] = [];
  /** the App webhook's deliveries: seed with `hookDeliveries.add`, point redeliveries at the farm with `hookDeliveries.target` */
  readonly hookDeliveries: StandInHookDeliveries;
  /** installation tokens' lifetime, seconds @defaultValue 3600 (GitHub's hour) */
  tokenTtlSeconds = 3600;
  private readonly publicKey: KeyObject;
  private readonly repos = new Map<string, { id: number; fullName: string; installationId: number }>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly pats = new Set<string>();
  private failures: { kind: Failure; left: number; match: (r: { method: string; path: string }) => boolean }[] = [];
  private nextId = 7_000_000_000;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKeyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    this.publicKey = publicKey;
    this.hookDeliveries = new StandInHookDeliveries(url, (status, message) => new HttpError(status, message));
  }

  static async start(): Promise<GithubStandIn> {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const a = server.address();
    if (typeof a !== "object" || !a) throw new Error("stand-in has no address");
    const s = new GithubStandIn(server, `http://127.0.0.1:${a.port}`);
    server.on("request", (req, res) => void s.handle(req, res));
    return s;
  }

  /** Installs the App on `owner/repo` (one installation per owner). */
  installApp(fullName: string): void {
    const owner = fullName.split("/")[0]!.toLowerCase();
    const existing = [...this.repos.values()].find((r) => r.fullName.split("/")[0]!.toLowerCase() === owner);
    this.repos.set(fullName.toLowerCase(), {
      id: this.nextId++,
      fullName,
      installationId: existing?.installationId ?? 40_000 + this.repos.size,
    });
  }

  /** A personal access token that may reach every repository. */
  addPersonalAccessToken(token: string): void {
    this.pats.add(token);
  }

  /** Whether git may fetch `fullName` with `token`: a PAT, or a live installation token for it with contents access. */
  allowsGit(token: string, fullName: string): boolean {
    if (this.pats.has(token)) return true;
    const t = this.tokens.get(token);
    return !!t && t.expiresAt > Date.now() && t.repositories.includes(fullName.toLowerCase()) && !!t.permissions.contents;
  }

  /** Installation tokens issued so far. */
  get issuedTokens(): readonly IssuedToken[] {
    return [...this.tokens.values()];
  }

  /** The next `count` requests (matching `match`) fail: 502, a primary rate limit (403, remaining 0, reset in 2 s) or a secondary one (429, retry-after 1). */
  failNext(count: number, kind: Failure, match: (r: { method: string; path: string }) => boolean = () => true): void {
    this.failures.push({ kind, left: count, match });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await this.answer(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `stand-in error: ${(err as Error).message}` }));
    }
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "GET";
    const [path, search] = (req.url ?? "/").split("?") as [string, string | undefined];
    const query = new URLSearchParams(search ?? "");
    const entry: StandInRequest = {
      method,
      path,
      query: Object.fromEntries(query),
      body: undefined,
      auth: this.authOf(req.headers.authorization),
      status: 0,
    };
    this.requests.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "x-github-media-type": "github.v3; format=json",
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    try {
      try {
        entry.body = raw ? JSON.parse(raw) : undefined;
      } catch {
        throw new HttpError(400, "Problems parsing JSON");
      }
      const failure = this.failures.find((f) => f.left > 0 && f.match({ method, path }));
      if (failure) {
        failure.left--;
        if (failure.kind === "502") return send(502, { message: "Server Error" });
        if (failure.kind === "secondary-rate-limit")
          return send(
            429,
            {
              message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
              documentation_url: DOCS,
            },
            { "retry-after": "1" },
          );
        const reset = Math.ceil(Date.now() / 1000) + 2;
        return send(
          403,
          { message: "API rate limit exceeded for installation.", documentation_url: DOCS },
          { "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": String(reset) },
        );
      }
      const [status, body, headers] = this.route(method, path, query, entry);
      send(status, body, headers);
    } catch (err) {
      if (!(err instanceof HttpError)) return send(500, { message: (err as Error).message });
      const status = String(err.status);
      send(
        err.status,
        { message: err.message, documentation_url: DOCS, status, ...(err.errors ? { errors: err.errors } : {}) },
        err.headers,
      );
    }
  }

  private route(method: string, path: string, query: URLSearchParams, entry: StandInRequest): [number, unknown, Record<string, string>?] {
    let m: RegExpMatchArray | null;
    // The App's own webhook: GitHub takes the App's JWT only (installation tokens and PATs get 401).
    if (method === "GET" && path === "/app/hook/deliveries") {
      this.requireJwt(entry);
      return this.hookDeliveries.list(query);
    }
    if (method === "POST" && (m = path.match(/^\/app\/hook\/deliveries\/(\d+)\/attempts$/))) {
      this.requireJwt(entry);
      return this.hookDeliveries.redeliver(Number(m[1]));
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/installation$/)))
      return this.getInstallation(`${m[1]}/${m[2]}`, entry);
    if (method === "POST" && (m = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/))) return this.createToken(Number(m[1]), entry);
    if (method === "POST" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs$/)))
      return this.createCheckRun(`${m[1]}/${m[2]}`, entry);
    if (method === "PATCH" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/)))
      return this.updateCheckRun(`${m[1]}/${m[2]}`, Number(m[3]), entry);
    if (method === "POST" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/)))
      return this.createStatus(`${m[1]}/${m[2]}`, m[3]!, entry);
    throw new HttpError(404, "Not Found");
  }

  private authOf(header: string | undefined): StandInRequest["auth"] {
    const m = header?.match(/^(bearer|token)\s+(\S+)$/i);
    if (!m) return { kind: header ? "invalid" : "none" };
    const value = m[2]!;
    if (m[1]!.toLowerCase() === "bearer" && value.split(".").length === 3)
      return this.verifyJwt(value) === null ? { kind: "jwt", token: value } : { kind: "invalid", token: value };
    const t = this.tokens.get(value);
    if (t && t.expiresAt > Date.now()) return { kind: "installation", token: value, installationId: t.installationId };
    if (this.pats.has(value)) return { kind: "pat", token: value };
    return { kind: "invalid", token: value };
  }

  /** null when the JWT is the App's and current; otherwise GitHub's complaint. */
  private verifyJwt(jwt: string): string | null {
    const [h, p, sig] = jwt.split(".") as [string, string, string];
    let header: any, payload: any;
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString());
      payload = JSON.parse(Buffer.from(p, "base64url").toString());
    } catch {
      return "A JSON web token could not be decoded";
    }
    // Verified with node:crypto: a JWT is three base64url parts, and the check is one call.
    if (header.alg !== "RS256" || !verify("RSA-SHA256", Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(sig, "base64url"))) {
      return "A JSON web token could not be decoded";
    }
    const now = Math.floor(Date.now() / 1000);
    if (String(payload.iss) !== this.appId) return "Integration not found";
    if (!Number.isInteger(payload.iat) || payload.iat > now + 60)
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    if (!Number.isInteger(payload.exp) || payload.exp <= now)
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    if (payload.exp - payload.iat > 600 || payload.exp > now + 600) return "'Expiration time' claim ('exp') is too far in the future";
    return null;
  }

  private requireJwt(entry: StandInRequest): void {
    if (entry.auth.kind === "jwt") return;
    const complaint = entry.auth.kind === "invalid" && entry.auth.token?.split(".").length === 3 ? this.verifyJwt(entry.auth.token) : null;
    throw new HttpError(401, complaint ?? "A JSON web token could not be decoded");
  }

  /** The token's repository access: 401 without a valid token, 403 without the permission, 404 for a repository it cannot see. */
  private requireToken(entry: StandInRequest, fullName: string, permission: string): void {
    if (entry.auth.kind === "pat") {
      // Classic PATs cannot use the checks API (GitHub: apps only).
      if (permission === "checks") throw new HttpError(403, "You must authenticate via a GitHub App.");
      return;
    }
    if (entry.auth.kind !== "installation") throw new HttpError(401, "Bad credentials");
    const t = this.tokens.get(entry.auth.token!)!;
    if (!t.repositories.includes(fullName.toLowerCase())) throw new HttpError(404, "Not Found");
    if (t.permissions[permission] !== "write") throw new HttpError(403, "Resource not accessible by integration");
  }

  private getInstallation(fullName: string, entry: StandInRequest): [number, unknown] {
    this.requireJwt(entry);
    const repo = this.repos.get(fullName.toLowerCase());
    if (!repo) throw new HttpError(404, "Not Found");
    const owner = repo.fullName.split("/")[0]!;
    return [
      200,
      {
        id: repo.installationId,
        app_id: Number(this.appId),
        app_slug: "slipway-test",
        target_type: "Organization",
        repository_selection: "selected",
        account: { login: owner, id: 1, type: "Organization" },
        permissions: INSTALLATION_PERMISSIONS,
        events: ["push", "pull_request"],
        access_tokens_url: `${this.url}/app/installations/${repo.installationId}/access_tokens`,
      },
    ];
  }

  private createToken(installationId: number, entry: StandInRequest): [number, unknown] {
    this.requireJwt(entry);
    const installed = [...this.repos.values()].filter((r) => r.installationId === installationId);
    if (!installed.length) throw new HttpError(404, "Not Found");
    const body = entry.body ?? {};
    let repos = installed;
    if (body.repositories !== undefined || body.repository_ids !== undefined) {
      const names: unknown[] = body.repositories ?? [];
      const ids: unknown[] = body.repository_ids ?? [];
      if (!Array.isArray(names) || !Array.isArray(ids)) throw new HttpError(422, "Invalid request.");
      repos = installed.filter((r) => names.includes(r.fullName.split("/")[1]) || ids.includes(r.id));
      if (repos.length !== names.length + ids.length)
        throw new HttpError(422, "There is at least one repository that does not exist or is not accessible to the parent installation.");
    }
    let permissions: Record<string, "read" | "write"> = { ...INSTALLATION_PERMISSIONS };
    if (body.permissions !== undefined) {
      for (const [name, level] of Object.entries(body.permissions as Record<string, string>)) {
        const granted = (INSTALLATION_PERMISSIONS as Record<string, string>)[name];
        if (!granted || (level !== "read" && level !== "write") || (level === "write" && granted !== "write"))
          throw new HttpError(422, "The permissions requested are not granted to this installation.");
      }
      permissions = { ...(body.permissions as Record<string, "read" | "write">), metadata: "read" };
    }
    const token: IssuedToken = {
      token: `ghs_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`,
      installationId,
      expiresAt: Date.now() + this.tokenTtlSeconds * 1000,
      repositories: repos.map((r) => r.fullName.toLowerCase()),
      permissions,
    };
    this.tokens.set(token.token, token);
    return [
      201,
      {
        token: token.token,
        expires_at: new Date(token.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions,
        repository_selection: "selected",
        repositories: repos.map((r) => ({ id: r.id, name: r.fullName.split("/")[1], full_name: r.fullName, private: true })),
      },
    ];
  }

  private createCheckRun(fullName: string, entry: StandInRequest): [number, unknown] {
    this.requireToken(entry, fullName, "checks");
    const b = entry.body ?? {};
    if (typeof b.name !== "string" || !b.name) throw invalid("name", "missing_field");
    if (typeof b.head_sha !== "string" || !/^[0-9a-f]{40}$/.test(b.head_sha))
      throw new HttpError(422, `No commit found for SHA: ${b.head_sha}`);
    const run: StandInCheckRun = {
      id: this.nextId++,
      repository: fullName.toLowerCase(),
      name: b.name,
      head_sha: b.head_sha,
      status: "queued",
      conclusion: null,
      details_url: null,
      external_id: null,
      started_at: null,
      completed_at: null,
      output: { title: null, summary: null, text: null },
    };
    applyCheckRun(run, b);
    this.checkRuns.set(run.id, run);
    return [201, this.checkRunBody(run)];
  }

  private updateCheckRun(fullName: string, id: number, entry: StandInRequest): [number, unknown] {
    this.requireToken(entry, fullName, "checks");
    const run = this.checkRuns.get(id);
    if (!run || run.repository !== fullName.toLowerCase()) throw new HttpError(404, "Not Found");
    const next = structuredClone(run);
    applyCheckRun(next, entry.body ?? {});
    this.checkRuns.set(id, next);
    return [200, this.checkRunBody(next)];
  }

  private checkRunBody(run: StandInCheckRun) {
    const [owner, repo] = run.repository.split("/");
    return {
      ...run,
      node_id: `CR_${run.id}`,
      url: `${this.url}/repos/${owner}/${repo}/check-runs/${run.id}`,
      html_url: `https://github.com/${owner}/${repo}/runs/${run.id}`,
      output: {
        ...run.output,
        annotations_count: 0,
        annotations_url: `${this.url}/repos/${owner}/${repo}/check-runs/${run.id}/annotations`,
      },
      app: { id: Number(this.appId), slug: "slipway-test" },
      pull_requests: [],
    };
  }

  private createStatus(fullName: string, sha: string, entry: StandInRequest): [number, unknown] {
    this.requireToken(entry, fullName, "statuses");
    const b = entry.body ?? {};
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new HttpError(422, `No commit found for SHA: ${sha}`);
    if (!STATUS_STATES.includes(b.state)) throw invalid("state", "invalid", `state must be one of ${STATUS_STATES.join(", ")}`);
    if (b.description != null && (typeof b.description !== "string" || b.description.length > 140))
      throw invalid("description", "custom", "description is too long (maximum is 140 characters)");
    if (b.target_url != null && !isUrl(b.target_url)) throw invalid("target_url", "custom", "target_url must be a valid URL");
    const status = {
      repository: fullName.toLowerCase(),
      sha,
      state: b.state,
      description: b.description ?? null,
      target_url: b.target_url ?? null,
      context: b.context ?? "default",
    };
    this.statuses.push(status);
    return [201, { id: this.nextId++, ...status, created_at: new Date().toISOString() }];
  }
}

function invalid(field: string, code: string, message?: string): HttpError {
  return new HttpError(422, message ? `Invalid request.\n\n${message}` : `Invalid request.\n\n"${field}" wasn't supplied.`, {}, [
    { resource: "CheckRun", field, code },
  ]);
}

const isUrl = (v: unknown) => {
  try {
    return typeof v === "string" && /^https?:$/.test(new URL(v).protocol);
  } catch {
    return false;
  }
};
const isTime = (v: unknown) => typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v);

/** Applies a create/update body the way GitHub documents it; throws GitHub's 422 otherwise. */
function applyCheckRun(run: StandInCheckRun, b: any): void {
  if (b.status !== undefined && ACTIONS_ONLY_STATUSES.includes(b.status))
    throw invalid("status", "custom", "Only GitHub Actions can set a status of waiting, pending or requested.");
  if (b.status !== undefined && !CHECK_STATUSES.includes(b.status))
    throw invalid("status", "invalid", `status must be one of ${CHECK_STATUSES.join(", ")}`);
  if (b.conclusion != null && !CONCLUSIONS.includes(b.conclusion))
    throw invalid("conclusion", "invalid", `conclusion must be one of ${CONCLUSIONS.join(", ")}`);
  if ((b.status === "completed" || b.completed_at != null) && b.conclusion == null)
    throw invalid("conclusion", "missing_field", "conclusion is required when status is completed or completed_at is given");
  for (const f of ["started_at", "completed_at"])
    if (b[f] != null && !isTime(b[f])) throw invalid(f, "invalid", `${f} must be an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)`);
  if (b.details_url != null && !isUrl(b.details_url)) throw invalid("details_url", "custom", "details_url must be a valid URL");
  if (b.external_id != null && typeof b.external_id !== "string") throw invalid("external_id", "invalid");
  if (b.output !== undefined) {
    const o = b.output;
    if (typeof o !== "object" || o === null || typeof o.title !== "string" || typeof o.summary !== "string")
      throw invalid("output", "missing_field", "output needs a title and a summary");
    if (o.summary.length > 65535 || (o.text != null && String(o.text).length > 65535))
      throw invalid("output", "custom", "output summary and text are limited to 65535 characters");
  }
  if (b.name !== undefined) run.name = b.name;
  if (b.details_url !== undefined) run.details_url = b.details_url;
  if (b.external_id !== undefined) run.external_id = b.external_id;
  if (b.started_at !== undefined) run.started_at = b.started_at;
  if (b.output !== undefined) run.output = { title: b.output.title, summary: b.output.summary, text: b.output.text ?? null };
  if (b.conclusion != null) {
    // "Providing conclusion will automatically set the status parameter to completed."
    run.status = "completed";
    run.conclusion = b.conclusion;
    run.completed_at = b.completed_at ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  } else if (b.status !== undefined) {
    run.status = b.status;
    if (b.status !== "completed") {
      run.conclusion = null;
      run.completed_at = null;
    }
  }
}
