import type { Db } from "@slipway/db";
import type { EventBus } from "@slipway/events";
import type { ForkPolicy, RepositoryAllowList, SignatureVerifier } from "@slipway/ingest";
import type { Logger } from "@slipway/logger";
import type { SessionSealer } from "@slipway/auth";
import type { TokenSigner } from "@slipway/registry-auth";
import type { SecretStore } from "@slipway/secrets";
import type { Redis } from "ioredis";

/** GitHub caps webhook payloads at 25 MB. */
export const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** /api/v1 rate limits, counted in Redis so every api replica shares them. */
interface RateLimitSettings {
  /** requests per minute per API token */
  perTokenPerMin: number;
  /** requests per minute per client address, for requests without a valid token */
  anonPerMin: number;
  /** Redis key prefix of the counters */
  keyPrefix: string;
}

/** What the api's routes need; built by src/index.ts (and by tests, the same way). */
export interface ApiDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  verifier: SignatureVerifier;
  /** SLIPWAY_ALLOWED_OWNERS */
  allowList: RepositoryAllowList;
  /** live streams (build logs, events) open at once, per token and in all (this process), and how often an open
   * stream re-checks its token @defaultValue 20, 500, 30000 ms */
  logStreams?: { perToken: number; max: number; recheckMs?: number };
  /** SLIPWAY_ACCEPT_RENAMES: payloads may rebind repository ids and names @defaultValue false */
  acceptRenames?: boolean;
  /** SLIPWAY_FORK_PULL_REQUESTS @defaultValue "members" */
  forkPullRequests?: ForkPolicy;
  /** GitHub is configured (SLIPWAY_GITHUB_*): builds stored, retried or cancelled here write an
   * outbox row for the GitHub reporter @defaultValue false */
  reportToGithub?: boolean;
  /** webhook bodies over 1 MiB in flight at once @defaultValue 4 */
  maxLargeWebhookBodies?: number;
  /** SLIPWAY_INGEST_MAX_PENDING: webhook deliveries waiting to be stored at once; beyond, 503
   * before the body is read @defaultValue 2000 */
  ingestMaxPending?: number;
  /** SLIPWAY_INGEST_MAX_PENDING_BYTES: their declared sizes together @defaultValue 256 MiB */
  ingestMaxPendingBytes?: number;
  bootstrapToken: string;
  /** seals and opens the dashboard's session cookie (SLIPWAY_SESSION_KEY) */
  sessions: SessionSealer;
  /** the dashboard's build to serve at `/` (absent: not served) */
  dashboardDir?: string;
  /** the internal registry's token service (absent: the registry has no token auth) */
  registryAuth?: { signer: TokenSigner; secret: string };
  /** how the api reaches the git host (POST /api/v1/builds resolves a ref with ls-remote):
   * SLIPWAY_GIT_BASE_URL, SLIPWAY_GIT_PROTOCOLS, and a GitHub token for private repositories */
  git?: { baseUrl: string; protocols: readonly string[]; token?: (fullName: string) => Promise<string | undefined> };
  /** the queues (GET /api/v1/queues) and the Redis key prefix workers beat under (GET /api/v1/workers) */
  queues?: { producers: object; prefix: string };
  /** the farm's event stream (GET /api/v1/events; builds queued, retried, cancelled here) */
  events?: EventBus;
  /** the encrypted secret store (absent: SLIPWAY_SECRET_KEY unset) */
  secrets?: SecretStore;
  rateLimit: RateLimitSettings;
  /** X-Forwarded-For hops to believe: false, a hop count, or proxy addresses/CIDRs */
  trustProxy: false | number | string[];
  /** called after a request stored an outbox row (a new build, a retry): run the outbox relay now */
  onBuildStored: () => void;
}
