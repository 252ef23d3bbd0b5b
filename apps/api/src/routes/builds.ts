import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { authenticate } from "@slipway/auth";
import { cancelBuild, getBuild, listBuildPublishes, listBuilds, listBuildSteps, retryBuild, streamBuildLog } from "@slipway/builds";
import { AppError, CANCEL_CHANNEL, ZListBuildsQuery } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { attemptQuery } from "./attempt-query";
import { registerLogStreamRoute } from "./log-stream";

/** /api/v1/builds: read API, behind a bearer token. */
export async function registerBuildRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  // POSTs here take no body; clients that send `content-type: application/json` with an
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

  app.addHook("onRequest", async (req) => {
    await authenticate({ db: deps.db, bootstrapToken: deps.bootstrapToken }, req.headers.authorization);
  });

  app.get("/builds", async (req) => {
    const parsed = ZListBuildsQuery.safeParse(req.query);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new AppError("bad_request", `invalid query: ${fields.join("; ")}`, { fields });
    }
    return listBuilds(deps.db, parsed.data);
  });

  app.get<{ Params: { id: string } }>("/builds/:id", async (req) => getBuild(deps.db, req.params.id));

  app.get<{ Params: { id: string }; Querystring: { attempt?: string } }>("/builds/:id/logs", async (req, reply) => {
    const chunks = await streamBuildLog(deps.db, req.params.id, attemptQuery(req.query.attempt));
    // Read from Postgres a page at a time as the client takes it (backpressure through the
    // stream): a 64 MiB log never sits in the api's memory whole.
    return reply.type("text/plain; charset=utf-8").send(Readable.from(chunks));
  });

  await app.register(registerLogStreamRoute, { deps });

  app.get<{ Params: { id: string }; Querystring: { attempt?: string } }>("/builds/:id/steps", async (req) =>
    listBuildSteps(deps.db, req.params.id, attemptQuery(req.query.attempt)),
  );

  app.get<{ Params: { id: string } }>("/builds/:id/publishes", async (req) => listBuildPublishes(deps.db, req.params.id));

  app.post<{ Params: { id: string } }>("/builds/:id/retry", async (req, reply) => {
    const build = await retryBuild(deps.db, req.params.id);
    deps.onBuildStored();
    return reply.status(202).send(build);
  });

  app.post<{ Params: { id: string } }>("/builds/:id/cancel", async (req, reply) => {
    const build = await cancelBuild(deps.db, req.params.id);
    // Best effort: a worker that misses the message still cannot overwrite the cancel.
    await deps.redis.publish(CANCEL_CHANNEL, build.id).catch((err: unknown) => req.log.warn({ err: (err as Error).message }, "cancel announcement failed"));
    return reply.status(202).send(build);
  });
}
