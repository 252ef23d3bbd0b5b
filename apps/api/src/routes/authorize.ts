import { authenticate, requireScope, type Principal } from "@slipway/auth";
import { AppError, type TTokenScope } from "@slipway/contracts";
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
  }
}

/**
 * Authorisation for every route of `app` (the /api/v1 context):
 * - at start, a route without `config.scope` throws, so no route can ship without one;
 * - onRequest: resolve the bearer token to a principal, keeping a 401 aside rather than
 *   throwing it, so the rate limit (route-level onRequest, after this) counts failed
 *   requests by client address and valid ones by token;
 * - preParsing (before any body is read): the 401, else 403 when the scope is missing.
 * Repository reach is applied by the queries themselves (@slipway/builds).
 */
export function installAuthorization(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest("principal", null);
  app.decorateRequest("authError", null);

  app.addHook("onRoute", (route) => {
    if (!route.config?.scope) throw new Error(`route ${String(route.method)} ${route.url} has no config.scope: every /api/v1 route must name the scope it needs`);
  });

  app.addHook("onRequest", async (req) => {
    try {
      req.principal = await authenticate({ db: deps.db, bootstrapToken: deps.bootstrapToken }, req.headers.authorization);
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
    return payload;
  });
}
