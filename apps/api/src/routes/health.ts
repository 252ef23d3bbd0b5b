import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ApiDeps } from "../deps";

const ZHealth = z.object({ status: z.literal("ok") });
const ZCheck = z.enum(["ok", "unavailable"]);
const ZReadiness = z.object({ status: z.enum(["ready", "not_ready"]), checks: z.object({ postgres: ZCheck, redis: ZCheck }) });

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);

/** /healthz: the process is up. /readyz: PostgreSQL and Redis answer (503 naming what does not). */
export async function registerHealthRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get("/healthz", { schema: { tags: ["meta"], summary: "The process is up", security: [], response: { 200: ZHealth } } }, async () => ({
    status: "ok" as const,
  }));

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["meta"],
        summary: "PostgreSQL and Redis answer (503 naming what does not)",
        security: [],
        response: { 200: ZReadiness, 503: ZReadiness },
      },
    },
    async (_req, reply) => {
      const checks = await Promise.allSettled([
        withTimeout(deps.db.$queryRaw`SELECT 1`, 2000, "PostgreSQL"),
        withTimeout(deps.redis.ping(), 2000, "Redis"),
      ]);
      const [pg, redis] = checks.map((c) => (c.status === "fulfilled" ? "ok" : "unavailable"));
      const ready = pg === "ok" && redis === "ok";
      return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks: { postgres: pg, redis } });
    },
  );
}
