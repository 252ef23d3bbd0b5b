import type { FastifyInstance } from "fastify";
import { matchRepository, AppError, ZQueueCounts, ZWorkerList, type TQueueCounts, type TWorkerList } from "@slipway/contracts";
import { countJobs, listHeartbeats } from "@slipway/queue";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";

const tags = ["farm"];

/** GET /api/v1/queues and /api/v1/workers: the farm itself, for the dashboard's farm page. */
export async function registerFarmRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const queues = () => {
    if (!deps.queues) throw new AppError("unavailable", "this api does not watch the queues");
    return deps.queues;
  };

  app.get(
    "/queues",
    {
      config: { scope: "read" },
      schema: { tags, summary: "Jobs waiting, active, delayed and failed per queue", response: { 200: ZQueueCounts, ...errorAnswers } },
    },
    async (): Promise<TQueueCounts> => ({ queues: await countJobs(queues().producers) }),
  );

  app.get(
    "/workers",
    {
      config: { scope: "read" },
      schema: {
        tags,
        summary: "Build hosts and their worker processes: what each is building, last heartbeat",
        response: { 200: ZWorkerList, ...errorAnswers },
      },
    },
    async (req): Promise<TWorkerList> => {
      const reach = principalOf(req).repositories;
      const workers = (await listHeartbeats(deps.redis, queues().prefix)).map((w) => {
        const visible = w.running.filter((r) => matchRepository(reach, r.repository));
        return { ...w, running: visible, runningHidden: w.running.length - visible.length };
      });
      const hosts = [...new Set(workers.map((w) => w.host))].sort();
      return {
        hosts: hosts.map((host) => ({ host, workers: workers.filter((w) => w.host === host).sort((a, b) => a.id.localeCompare(b.id)) })),
      };
    },
  );
}
