import type { FastifyInstance } from "fastify";
import { matchRepository } from "@slipway/auth";
import { AppError, type TQueueCounts, type TWorkerList } from "@slipway/contracts";
import { countJobs, listHeartbeats } from "@slipway/queue";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";

const read = { config: { scope: "read" } } as const;

/** GET /api/v1/queues and /api/v1/workers: the farm itself, for the dashboard's farm page. */
export async function registerFarmRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const queues = () => {
    if (!deps.queues) throw new AppError("unavailable", "this api does not watch the queues");
    return deps.queues;
  };

  app.get("/queues", read, async (): Promise<TQueueCounts> => ({ queues: await countJobs(queues().producers) }));

  app.get("/workers", read, async (req): Promise<TWorkerList> => {
    const reach = principalOf(req).repositories;
    const workers = (await listHeartbeats(deps.redis, queues().prefix)).map((w) => {
      const visible = w.running.filter((r) => matchRepository(reach, r.repository));
      return { ...w, running: visible, runningHidden: w.running.length - visible.length };
    });
    const hosts = [...new Set(workers.map((w) => w.host))].sort();
    return { hosts: hosts.map((host) => ({ host, workers: workers.filter((w) => w.host === host).sort((a, b) => a.id.localeCompare(b.id)) })) };
  });
}
