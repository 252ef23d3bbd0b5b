import type { FastifyInstance } from "fastify";
import { AppError } from "@slipway/contracts";
import { createFarmMetrics } from "@slipway/metrics";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";
import { z } from "zod";

/**
 * GET /metrics (Prometheus text format): a `read` token not limited to repositories, since the
 * figures are farm-wide (Prometheus: `authorization: { credentials: <token> }`). Registered
 * beside /api/v1, under the same token checks and rate limits.
 */
export async function registerMetricsRoute(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const registry = deps.queues ? createFarmMetrics({ db: deps.db, producers: deps.queues.producers }) : undefined;
  app.get(
    "/metrics",
    {
      config: { scope: "read" },
      schema: {
        tags: ["farm"],
        summary: "Farm metrics in Prometheus text format (a token not limited to repositories)",
        response: {
          200: { description: "Prometheus exposition format", content: { "text/plain": { schema: z.string() } } },
          ...errorAnswers,
        },
      },
    },
    async (req, reply) => {
      if (principalOf(req).repositories !== null)
        throw new AppError("forbidden", "metrics are farm-wide: use a token that is not limited to repositories");
      if (!registry) throw new AppError("unavailable", "this api does not watch the queues");
      return reply.header("content-type", registry.contentType).send(await registry.metrics());
    },
  );
}
