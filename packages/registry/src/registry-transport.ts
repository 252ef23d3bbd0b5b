import { retryDelayMs, sleep } from "./backoff";
import { registryApiHost } from "./docker-hub";
import { type RegistryCredentials, RegistryAuth } from "./registry-auth";
import { kindForStatus, RegistryError } from "./registry-error";
import { parseWwwAuthenticate } from "./www-authenticate";

export interface TransportOptions {
  insecure: (host: string) => boolean;
  credentials: (host: string) => RegistryCredentials | undefined;
  retries: number;
  backoffMs: number;
  /** one request's time limit, ms */
  timeoutMs: number;
  fetch: typeof fetch;
}

/** One request to a registry, described well enough to retry it and to name it in an error. */
export interface RegistryRequest {
  registry: string;
  repository: string;
  /** What is being fetched or stored, for error messages: "manifest sha256:…", "blob upload". */
  what: string;
  method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE";
  /** "/v2/…", or a Location header value (absolute or relative to the registry). */
  url: string;
  headers?: Record<string, string>;
  /** A fresh body for every attempt: a stream can be sent once only. */
  body?: () => NonNullable<RequestInit["body"]>;
  /** Token scopes, e.g. "repository:owner/app:pull,push". */
  scopes: readonly string[];
  /** Non-2xx statuses handed back to the caller instead of thrown (e.g. 404 for a HEAD probe). */
  allow?: readonly number[];
}

const PHRASES: Record<number, string> = {
  400: "rejected as invalid",
  401: "unauthorized",
  403: "denied",
  404: "not found",
  405: "not allowed by this registry",
  409: "conflicts with existing content",
  413: "too large for this registry",
  416: "range not satisfiable",
  429: "rate limited",
};

/**
 * HTTP to registries: picks http or https per host, answers auth challenges, and retries
 * 5xx, 429 and network failures with backoff. Everything else becomes a RegistryError that
 * names registry, repository and operation, never a URL with its query or a header.
 */
export class RegistryTransport {
  readonly auth: RegistryAuth;

  constructor(readonly options: TransportOptions) {
    this.auth = new RegistryAuth(options.credentials, (registry, url, headers) =>
      this.withRetries(registry, `${registry}: token request`, () =>
        options.fetch(url, { headers, signal: AbortSignal.timeout(Math.min(options.timeoutMs, 30_000)) }),
      ),
    );
  }

  resolve(registry: string, url: string): URL {
    const scheme = this.options.insecure(registry) ? "http" : "https";
    return new URL(url, `${scheme}://${registryApiHost(registry)}/`);
  }

  async request(req: RegistryRequest): Promise<Response> {
    const url = this.resolve(req.registry, req.url);
    const label = `${req.registry}/${req.repository}: ${req.what}`;
    let answeredChallenge = false;
    for (;;) {
      const headers: Record<string, string> = { ...req.headers };
      await this.auth.prepare(req.registry, req.scopes);
      // Credentials go to the registry's own origin only, never to a Location elsewhere.
      const sameOrigin = url.origin === this.resolve(req.registry, "/").origin;
      const authorization = sameOrigin ? this.auth.authorization(req.registry, req.scopes) : undefined;
      if (authorization) headers.authorization = authorization;
      const res = await this.withRetries(req.registry, label, () =>
        this.options.fetch(url, {
          method: req.method,
          headers,
          ...(req.body ? { body: req.body(), duplex: "half" as const } : {}),
          // Blob GETs are often redirected to object storage (undici drops Authorization when
          // the redirect leaves the origin); uploads with a streamed body cannot be replayed.
          redirect: req.method === "GET" || req.method === "HEAD" ? "follow" : "manual",
          signal: AbortSignal.timeout(this.options.timeoutMs),
        }),
      );
      if (res.status === 401 && !answeredChallenge) {
        answeredChallenge = true;
        const challenge = parseWwwAuthenticate(res.headers.get("www-authenticate"));
        // Read the (small) 401 body now: it explains the refusal if we cannot do better.
        const details = req.method === "HEAD" ? "" : await registryErrorText(res);
        if (challenge && (await this.auth.answer(req.registry, challenge, req.scopes, authorization))) continue;
        if (req.allow?.includes(res.status)) return res;
        throw this.failure(req, label, res.status, details);
      }
      if (res.ok || req.allow?.includes(res.status)) return res;
      throw this.failure(req, label, res.status, req.method === "HEAD" ? "" : await registryErrorText(res));
    }
  }

  /** Sends until the answer is neither 5xx, 429 nor a network error, or the retries run out. */
  async withRetries(registry: string, label: string, send: () => Promise<Response>): Promise<Response> {
    const { retries, backoffMs } = this.options;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await send();
      } catch (err) {
        if (attempt < retries) {
          await sleep(retryDelayMs(attempt, backoffMs, null));
          continue;
        }
        throw new RegistryError(`${label} failed: ${networkErrorText(err)} (after ${attempt + 1} attempts)`, {
          registry,
          kind: "infrastructure",
          cause: err,
        });
      }
      if (kindForStatus(res.status) !== "infrastructure" || attempt >= retries) return res;
      await discard(res);
      await sleep(retryDelayMs(attempt, backoffMs, res.headers.get("retry-after")));
    }
  }

  private failure(req: RegistryRequest, label: string, status: number, details: string): RegistryError {
    const phrase = status >= 500 ? "failed with a server error" : (PHRASES[status] ?? "failed");
    let message = `${label} ${phrase} (${status})`;
    if (kindForStatus(status) === "infrastructure") message += ` after ${this.options.retries + 1} attempts`;
    if (status === 401 && !this.auth.hasCredentials(req.registry)) message += ` (no credentials configured for ${req.registry})`;
    if (details) message += `: ${details}`;
    return new RegistryError(message, { registry: req.registry, status, kind: kindForStatus(status) });
  }
}

/** Reads the distribution error body {"errors":[{code,message}]} into "CODE message; …". */
async function registryErrorText(res: Response): Promise<string> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    return "";
  }
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (!Array.isArray(parsed.errors)) return "";
    return parsed.errors
      .map((e) => [e.code, e.message].filter((part) => typeof part === "string" && part !== "").join(" "))
      .filter(Boolean)
      .join("; ")
      .slice(0, 500);
  } catch {
    return "";
  }
}

/** undici reports "fetch failed" and hides the reason in `cause` (ECONNREFUSED, ECONNRESET…). */
function networkErrorText(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `network error ${typeof code === "string" ? `${code} ` : ""}(${message})`;
}

export async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // The body is unwanted; a connection that broke while we drop it does not matter.
  }
}
