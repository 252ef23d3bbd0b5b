import { isLoopbackHost } from "./is-loopback-host";
import { kindForStatus, RegistryError } from "./registry-error";
import type { AuthChallenge } from "./www-authenticate";

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Sends one token request (with retries for 5xx/429/network); supplied by the transport. */
export type TokenFetcher = (registry: string, url: URL, headers: Record<string, string>) => Promise<Response>;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Docker's token spec: a token without expires_in is good for 60 seconds. */
const DEFAULT_TOKEN_TTL_S = 60;
/** Give up a token this long before it expires so an upload in flight never carries a stale one. */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * Answers registry challenges: Basic with the host's credentials, Bearer by fetching a token
 * from the challenge's realm. Remembers each host's challenge so later requests carry the
 * Authorization header up front instead of paying a 401 round trip every time.
 */
export class RegistryAuth {
  private readonly challenges = new Map<string, AuthChallenge>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly credentials: (host: string) => RegistryCredentials | undefined,
    private readonly fetchToken: TokenFetcher,
  ) {}

  hasCredentials(host: string): boolean {
    return this.credentials(host) !== undefined;
  }

  /** The Authorization header to send before any challenge, if this host challenged us before. */
  authorization(host: string, scopes: readonly string[]): string | undefined {
    const challenge = this.challenges.get(host);
    if (challenge?.scheme === "basic") return this.basic(host);
    if (challenge?.scheme === "bearer") {
      const cached = this.tokens.get(tokenKey(host, this.scopesFor(challenge, scopes)));
      if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    }
    return undefined;
  }

  /**
   * Before a request to a host known to want bearer tokens: get the token for these scopes
   * now (or again, once expired) rather than learn it from a 401 after streaming a blob body.
   */
  async prepare(host: string, scopes: readonly string[]): Promise<void> {
    const challenge = this.challenges.get(host);
    if (challenge?.scheme !== "bearer" || this.authorization(host, scopes) !== undefined) return;
    await this.answer(host, challenge, scopes, undefined);
  }

  /**
   * Handles a 401: records the challenge and gets fresh authorization for it. `rejected` is the
   * header the 401 answered, whose token must not be reused. Returns false when there is
   * nothing better to send (Basic without credentials, or the same header again).
   */
  async answer(host: string, challenge: AuthChallenge, scopes: readonly string[], rejected: string | undefined): Promise<boolean> {
    this.challenges.set(host, challenge);
    if (challenge.scheme === "basic") {
      const header = this.basic(host);
      return header !== undefined && header !== rejected;
    }
    const wanted = this.scopesFor(challenge, scopes);
    const key = tokenKey(host, wanted);
    const cached = this.tokens.get(key);
    if (cached && `Bearer ${cached.token}` === rejected) this.tokens.delete(key);
    if (this.authorization(host, scopes) !== undefined) return true;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.requestToken(host, challenge, wanted).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    this.tokens.set(key, await pending);
    return true;
  }

  private basic(host: string): string | undefined {
    const creds = this.credentials(host);
    if (!creds) return undefined;
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, "utf8").toString("base64")}`;
  }

  /** The copy asks for exactly the scopes it needs (e.g. push on the target plus pull on the mount source). */
  private scopesFor(challenge: AuthChallenge, scopes: readonly string[]): string[] {
    if (scopes.length > 0) return [...scopes].sort();
    return challenge.params.scope ? challenge.params.scope.split(" ").filter(Boolean).sort() : [];
  }

  private async requestToken(host: string, challenge: AuthChallenge, scopes: readonly string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? "");
    } catch {
      throw new RegistryError(`${host}: bearer challenge has no usable realm`, { registry: host, kind: "infrastructure" });
    }
    // Basic credentials go to the realm: never in clear over the network.
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.host))) {
      throw new RegistryError(
        `${host}: bearer realm ${url.origin} is not https; credentials are sent to realms over https only (loopback test registries excepted)`,
        { registry: host, kind: "user" },
      );
    }
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    for (const scope of scopes) url.searchParams.append("scope", scope);
    const headers: Record<string, string> = { accept: "application/json" };
    const basic = this.basic(host); // anonymous token when the host has no credentials
    if (basic) headers.authorization = basic;

    const res = await this.fetchToken(host, url, headers);
    const where = `${host}: token request to ${url.origin}${url.pathname}`;
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(`${where} for ${scopes.join(" ") || "no scope"} failed (${res.status})`, {
        registry: host,
        status: res.status,
        kind: kindForStatus(res.status),
      });
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new RegistryError(`${where} answered with something that is not JSON`, { registry: host, kind: "infrastructure" });
    }
    const token = typeof body.token === "string" && body.token ? body.token : body.access_token;
    if (typeof token !== "string" || token === "") {
      throw new RegistryError(`${where} answered without a token`, { registry: host, kind: "infrastructure" });
    }
    const ttlMs = (typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_TTL_S) * 1000;
    return { token, expiresAt: Date.now() + Math.max(ttlMs / 2, ttlMs - EXPIRY_MARGIN_MS) };
  }
}

function tokenKey(host: string, scopes: readonly string[]): string {
  return `${host} ${scopes.join(" ")}`;
}
