import { authenticate, authenticateToken, requireScope, type Principal } from "@slipway/auth";
import { AppError, CSRF_HEADER, SESSION_COOKIE, type TTokenScope } from "@slipway/contracts";
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps";

declare module "fastify" {
  interface FastifyContextConfig {
    /** the scope an /api/v1 route needs; a route without one is refused at start */
    scope?: TTokenScope;
  }
  interface FastifyRequest {
    principal: Principal | null;
    authError: AppError | null;
    /** the principal came from the dashboard's session cookie (not a bearer header) */
    viaSession: boolean;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Authorisation for every route of `app` (the /api/v1 context):
 * - at start, a route without `config.scope` throws, so no route can ship without one;
 * - onRequest: resolve the bearer token (or, without an Authorization header, the token
 *   sealed in the dashboard's session cookie) to a principal, keeping a 401 aside rather than
 *   throwing it, so the rate limit (route-level onRequest, after this) counts failed
 *   requests by client address and valid ones by token;
 * - preParsing (before any body is read): the 401, else 403 when the scope is missing, else
 *   403 for a cookie-authenticated request that changes state without the CSRF header.
 * Repository reach is applied by the queries themselves (@slipway/builds).
 */
export function installAuthorization(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest("principal", null);
  app.decorateRequest("authError", null);
  app.decorateRequest("viaSession", false);

  app.addHook("onRoute", (route) => {
    if (!route.config?.scope)
      throw new Error(`route ${String(route.method)} ${route.url} has no config.scope: every /api/v1 route must name the scope it needs`);
  });

  app.addHook("onRequest", async (req) => {
    try {
      const cookie = req.cookies[SESSION_COOKIE];
      if (req.headers.authorization || !cookie) {
        req.principal = await authenticate({ db: deps.db, bootstrapToken: deps.bootstrapToken }, req.headers.authorization);
      } else {
        req.principal = await authenticateToken({ db: deps.db, bootstrapToken: deps.bootstrapToken }, deps.sessions.open(cookie).token);
        req.viaSession = true;
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      req.authError = err;
    }
  });

  app.addHook("preParsing", async (req, _reply, payload) => {
    if (!req.principal) throw req.authError ?? new AppError("unauthorized", "missing Authorization: Bearer <token> header");
    const scope = req.routeOptions.config.scope;
    if (!scope) throw new AppError("internal", "route has no scope");
    requireScope(req.principal, scope);
    if (req.viaSession && !SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] !== "1") {
      throw new AppError("forbidden", `a request signed in by the session cookie that changes state needs the header ${CSRF_HEADER}: 1`);
    }
    return payload;
  });
}
