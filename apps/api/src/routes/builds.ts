import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import {
  cancelBuild,
  getBuild,
  listBuildPublishes,
  listBuilds,
  listBuildSteps,
  retryBuild,
  retryPublish,
  streamBuildLog,
} from "@slipway/builds";
import { ZBuild, ZBuildList, ZBuildStepList, ZListBuildsQuery, ZPublishList, ZPublishRetry } from "@slipway/contracts";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { announceCancel } from "./announce-cancel";
import { attemptQuery } from "./attempt-query";
import { registerLogStreamRoute } from "./log-stream";
import { streamSlotsOf } from "./stream-slots";
import { principalOf } from "./principal-of";
import { errorAnswers, ZAttemptQuery, ZIdParams } from "./route-schemas";

const tags = ["builds"];
const read = { scope: "read" } as const;
const write = { scope: "write" } as const;

/** /api/v1/builds: every query is limited to the caller's repositories (reach). */
export async function registerBuildRoutes(server: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const reach = (req: Parameters<typeof principalOf>[0]) => principalOf(req).repositories;

  app.get(
    "/builds",
    {
      config: read,
      schema: {
        tags,
        summary: "List builds, newest first (paged by nextCursor)",
        querystring: ZListBuildsQuery,
        response: { 200: ZBuildList, ...errorAnswers },
      },
    },
    async (req) => listBuilds(deps.db, req.query, reach(req)),
  );

  app.get(
    "/builds/:id",
    {
      config: read,
      schema: { tags, summary: "One build", params: ZIdParams, response: { 200: ZBuild, ...errorAnswers } },
    },
    async (req) => getBuild(deps.db, req.params.id, reach(req)),
  );

  app.get(
    "/builds/:id/logs",
    {
      config: read,
      schema: {
        tags,
        summary: "A build attempt's log as plain text",
        params: ZIdParams,
        querystring: ZAttemptQuery,
        response: { 200: { description: "the log", content: { "text/plain": { schema: z.string() } } }, ...errorAnswers },
      },
    },
    async (req, reply) => {
      const chunks = await streamBuildLog(deps.db, req.params.id, reach(req), attemptQuery(req.query.attempt));
      // Read from Postgres a page at a time as the client takes it (backpressure through the
      // stream): a 64 MiB log never sits in the api's memory whole.
      // (A stream is not serialised: the text/plain schema only describes it.)
      return reply.type("text/plain; charset=utf-8").send(Readable.from(chunks) as unknown as string);
    },
  );

  await app.register(registerLogStreamRoute, { deps, slots: streamSlotsOf(deps) });

  app.get(
    "/builds/:id/steps",
    {
      config: read,
      schema: {
        tags,
        summary: "A build attempt's BuildKit steps",
        params: ZIdParams,
        querystring: ZAttemptQuery,
        response: { 200: ZBuildStepList, ...errorAnswers },
      },
    },
    async (req) => {
      const events = deps.events;
      const live = events && ((build: string, attempt: number) => events.stepsOf(build, attempt));
      return listBuildSteps(deps.db, req.params.id, reach(req), attemptQuery(req.query.attempt), live);
    },
  );

  app.get(
    "/builds/:id/publishes",
    {
      config: read,
      schema: {
        tags,
        summary: "The tags a build published, with their state",
        params: ZIdParams,
        response: { 200: ZPublishList, ...errorAnswers },
      },
    },
    async (req) => listBuildPublishes(deps.db, req.params.id, reach(req)),
  );

  app.post(
    "/builds/:id/retry",
    {
      config: write,
      schema: {
        tags,
        summary: "Run a finished build again (a new attempt)",
        params: ZIdParams,
        response: { 202: ZBuild, ...errorAnswers },
      },
    },
    async (req, reply) => {
      const build = await retryBuild(deps.db, req.params.id, reach(req), { reportToGithub: deps.reportToGithub ?? false });
      deps.onBuildStored();
      deps.events?.emit({
        type: "build.queued",
        buildId: build.id,
        repository: build.repository,
        attempt: build.attempt,
        trigger: "retry",
        ref: build.ref,
        sha: build.sha,
      });
      return reply.status(202).send(build);
    },
  );

  app.post(
    "/builds/:id/publish/retry",
    {
      config: write,
      schema: { tags, summary: "Push a build's failed tags again", params: ZIdParams, response: { 202: ZPublishRetry, ...errorAnswers } },
    },
    async (req, reply) => {
      const queued = await retryPublish(deps.db, req.params.id, reach(req));
      deps.onBuildStored();
      return reply.status(202).send(queued);
    },
  );

  app.post(
    "/builds/:id/cancel",
    {
      config: write,
      schema: { tags, summary: "Cancel a queued or running build", params: ZIdParams, response: { 202: ZBuild, ...errorAnswers } },
    },
    async (req, reply) => {
      const build = await cancelBuild(deps.db, req.params.id, reach(req), { reportToGithub: deps.reportToGithub ?? false });
      await announceCancel(deps, req.log, {
        buildId: build.id,
        repository: build.repository,
        attempt: build.attempt,
        durationMs: build.durationMs,
        cachedSteps: build.cachedSteps,
        totalSteps: build.totalSteps,
      });
      return reply.status(202).send(build);
    },
  );
}
