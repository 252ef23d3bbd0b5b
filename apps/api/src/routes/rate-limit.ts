import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import { AppError } from "@slipway/contracts";
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps";

/**
 * Rate limits for every route of `app` (the /api/v1 context; webhooks and health checks are
 * outside it). A request with a valid token counts against that token (keyed by its id,
 * never the secret); any other request against its client address (IPv6 by /64), so
 * guessing tokens cannot buy fresh buckets. Counters live in Redis, shared by api replicas;
 * when Redis fails the request goes through (skipOnError): an outage must not take the read
 * API down with it.
 */
export async function registerRateLimit(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { perTokenPerMin, anonPerMin, keyPrefix } = deps.rateLimit;
  await app.register(rateLimit, {
    global: true,
    redis: deps.redis,
    nameSpace: keyPrefix,
    skipOnError: true,
    timeWindow: 60_000,
    // Runs after the authorization onRequest hook (route-level hooks follow instance ones).
    hook: "onRequest",
    keyGenerator: (req) => (req.principal ? `token:${req.principal.tokenId}` : `addr:${normalizeIP(req.ip)}`),
    max: (req) => (req.principal ? perTokenPerMin : anonPerMin),
    onExceeded: (req, key) => req.log.warn({ rateLimitKey: key }, "rate limit exceeded"),
    // The same whole seconds as the Retry-After header.
    errorResponseBuilder: (_req, ctx) =>
      new AppError("rate_limited", `rate limit of ${ctx.max} requests per minute exceeded; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
  });
}
