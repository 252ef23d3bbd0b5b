import type { FastifyInstance } from "fastify";
import { AppError } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { installAuthorization } from "./authorize";
import { registerBuildRoutes } from "./builds";
import { registerEventsRoute } from "./events-stream";
import { registerFarmRoutes } from "./farm";
import { registerManualBuildRoute } from "./manual-build";
import { registerMetricsRoute } from "./metrics";
import { registerRepositoryRoutes } from "./repositories";
import { streamSlotsOf } from "./stream-slots";
import { registerRateLimit } from "./rate-limit";
import { registerRegistryRoutes } from "./registries";
import { registerSecretRoutes } from "./secrets";
import { registerTokenRoutes } from "./tokens";

/**
 * /api/v1 and /metrics: bearer-token authorisation and rate limits first, then the routes.
 */
export async function registerApiV1(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  // POSTs here may take no body; clients that send `content-type: application/json` with an
  // empty body (common) must not get a 400 for it.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    const text = String(body).trim();
    if (!text) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError("bad_request", "body is not valid JSON"), undefined);
    }
  });
  // Both add hooks for the routes registered after them: keep them first.
  installAuthorization(app, deps);
  await registerRateLimit(app, deps);
  await app.register(registerBuildRoutes, { deps, prefix: "/api/v1" });
  await app.register(registerTokenRoutes, { deps, prefix: "/api/v1" });
  await app.register(registerRegistryRoutes, { deps, prefix: "/api/v1" });
  await app.register(registerEventsRoute, { deps, slots: streamSlotsOf(deps), prefix: "/api/v1" });
  await app.register(registerFarmRoutes, { deps, prefix: "/api/v1" });
  await app.register(registerRepositoryRoutes, { deps, prefix: "/api/v1" });
  await app.register(registerSecretRoutes, { deps, prefix: "/api/v1" });
  await app.register(registerManualBuildRoute, { deps, prefix: "/api/v1" });
  await app.register(registerMetricsRoute, { deps });
}
