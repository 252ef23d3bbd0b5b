import { z } from "zod";

/** GET /api/v1/queues: jobs per queue and state (BullMQ's counts). */
export const ZQueueCounts = z.object({
  queues: z.array(z.object({ name: z.string(), waiting: z.number(), active: z.number(), delayed: z.number(), failed: z.number() })),
});
export type TQueueCounts = z.infer<typeof ZQueueCounts>;

/** One worker process as its last heartbeat described it. */
export const ZWorkerInfo = z.object({
  id: z.string(),
  role: z.enum(["build", "publish"]),
  host: z.string(),
  concurrency: z.number(),
  startedAt: z.string(),
  lastHeartbeatAt: z.string(),
  /** what it is working on now (only builds of repositories the caller reaches are named) */
  running: z.array(z.object({ buildId: z.string(), repository: z.string() })),
  /** how many it runs that the caller may not see */
  runningHidden: z.number(),
  /** what keeps it from taking work, e.g. "its Docker daemon does not answer (ECONNREFUSED)" (never an address: every token reads this) */
  problem: z.string().nullable(),
});
export type TWorkerInfo = z.infer<typeof ZWorkerInfo>;

/** GET /api/v1/workers: live workers grouped by build host. */
export const ZWorkerList = z.object({ hosts: z.array(z.object({ host: z.string(), workers: z.array(ZWorkerInfo) })) });
export type TWorkerList = z.infer<typeof ZWorkerList>;
