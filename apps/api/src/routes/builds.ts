import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { cancelBuild, getBuild, listBuildPublishes, listBuilds, listBuildSteps, retryBuild, retryPublish, streamBuildLog } from "@slipway/builds";
import { CANCEL_CHANNEL, parseInput, ZListBuildsQuery } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { attemptQuery } from "./attempt-query";
import { registerLogStreamRoute } from "./log-stream";
import { streamSlotsOf } from "./stream-slots";
import { principalOf } from "./principal-of";

const read = { config: { scope: "read" } } as const;
const write = { config: { scope: "write" } } as const;

/** /api/v1/builds: every query is limited to the caller's repositories (reach). */
export async function registerBuildRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const reach = (req: Parameters<typeof principalOf>[0]) => principalOf(req).repositories;

  app.get("/builds", read, async (req) => listBuilds(deps.db, parseInput(ZListBuildsQuery, req.query, "query"), reach(req)));

  app.get<{ Params: { id: string } }>("/builds/:id", read, async (req) => getBuild(deps.db, req.params.id, reach(req)));

  app.get<{ Params: { id: string }; Querystring: { attempt?: string } }>("/builds/:id/logs", read, async (req, reply) => {
    const chunks = await streamBuildLog(deps.db, req.params.id, reach(req), attemptQuery(req.query.attempt));
    // Read from Postgres a page at a time as the client takes it (backpressure through the
    // stream): a 64 MiB log never sits in the api's memory whole.
    return reply.type("text/plain; charset=utf-8").send(Readable.from(chunks));
  });

  await app.register(registerLogStreamRoute, { deps, slots: streamSlotsOf(deps) });

  app.get<{ Params: { id: string }; Querystring: { attempt?: string } }>("/builds/:id/steps", read, async (req) =>
    listBuildSteps(deps.db, req.params.id, reach(req), attemptQuery(req.query.attempt)),
  );

  app.get<{ Params: { id: string } }>("/builds/:id/publishes", read, async (req) => listBuildPublishes(deps.db, req.params.id, reach(req)));

  app.post<{ Params: { id: string } }>("/builds/:id/retry", write, async (req, reply) => {
    const build = await retryBuild(deps.db, req.params.id, reach(req), { reportToGithub: deps.reportToGithub ?? false });
    deps.onBuildStored();
    deps.events?.emit({ type: "build.queued", buildId: build.id, repository: build.repository, attempt: build.attempt, trigger: "retry", ref: build.ref, sha: build.sha });
    return reply.status(202).send(build);
  });

  app.post<{ Params: { id: string } }>("/builds/:id/publish/retry", write, async (req, reply) => {
    const queued = await retryPublish(deps.db, req.params.id, reach(req));
    deps.onBuildStored();
    return reply.status(202).send(queued);
  });

  app.post<{ Params: { id: string } }>("/builds/:id/cancel", write, async (req, reply) => {
    const build = await cancelBuild(deps.db, req.params.id, reach(req), { reportToGithub: deps.reportToGithub ?? false });
    deps.events?.emit({ type: "build.finished", buildId: build.id, repository: build.repository, attempt: build.attempt, status: "cancelled", durationMs: build.durationMs, cachedSteps: build.cachedSteps, totalSteps: build.totalSteps, error: null });
    // Best effort: a worker that misses the message still cannot overwrite the cancel.
    await deps.redis.publish(CANCEL_CHANNEL, build.id).catch((err: unknown) => req.log.warn({ err: (err as Error).message }, "cancel announcement failed"));
    return reply.status(202).send(build);
  });
}
