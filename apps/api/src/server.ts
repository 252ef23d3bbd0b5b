import fastifyCookie from "@fastify/cookie";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { answerClientError } from "./client-error";
import type { ApiDeps } from "./deps";
import { answerFrameworkError, MAX_PARAM_LENGTH, registerErrorHandler } from "./error-handler";
import { registerOpenApi } from "./openapi";
import { refuseNulInUrl } from "./refuse-nul";
import { registerApiV1 } from "./routes/api-v1";
import { registerDashboard } from "./routes/dashboard";
import { registerHealthRoutes } from "./routes/health";
import { registerRegistryTokenRoute } from "./routes/registry-token";
import { registerSessionRoutes } from "./routes/session";
import { registerWebhookRoutes } from "./routes/webhooks";

export type { ApiDeps } from "./deps";

/** The api's HTTP server, built from injected dependencies (tests build it the same way). */
export async function buildServer(deps: ApiDeps): Promise<FastifyInstance> {
  const { trustProxy } = deps;
  const app = Fastify({
    // pino 10 and Fastify's logger types differ only in typing; the instance is the same pino.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // A request (headers and body) must arrive within a minute: slow uploads cannot hold the
    // large-webhook slots (SLIPWAY_WEBHOOK_LARGE_BODIES) or sockets for ever. Answers such as
    // the live log stream are not limited by it.
    requestTimeout: 60_000,
    // req.ip keys the per-address rate limit: believe X-Forwarded-For only from configured proxies.
    trustProxy: typeof trustProxy === "number" ? (_addr: string, hop: number) => hop < trustProxy : trustProxy,
    genReqId: (req) => (req.headers["x-github-delivery"] as string | undefined) ?? crypto.randomUUID(),
    // One line per request (below) instead of Fastify's two ("incoming request" and "request
    // completed"): under a webhook burst, log writes were the api's largest cost after the
    // database (measured with --cpu-prof: writev ahead of everything in the request path).
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  });
  app.addHook("onResponse", (req, reply, done) => {
    // The path only: a query string is for the route, not for the service log.
    req.log.info(
      {
        method: req.method,
        path: req.url.split("?")[0],
        statusCode: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime),
        ip: req.ip,
      },
      "request completed",
    );
    done();
  });
  registerErrorHandler(app);
  app.addHook("onRequest", refuseNulInUrl);
  await registerOpenApi(app);
  // Parses the dashboard's session cookie for every route (the sealing is SessionSealer's).
  await app.register(fastifyCookie);
  await app.register(registerHealthRoutes, { deps });
  await app.register(registerWebhookRoutes, { deps });
  await app.register(registerRegistryTokenRoute, { deps });
  await app.register(registerApiV1, { deps });
  await app.register(registerSessionRoutes, { deps, prefix: "/api/v1" });
  if (deps.dashboardDir) await app.register(registerDashboard, { root: deps.dashboardDir });
  return app;
}
