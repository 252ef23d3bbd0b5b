import { Prisma, type Db } from "@slipway/db";
import { countJobs } from "@slipway/queue";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { AggregateHistogram, type HistogramRow } from "./aggregate-histogram";

const QUEUE_WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600] as const;
const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;
/** A scrape reads PostgreSQL; scrapes closer together than this share one read. */
const CACHE_MS = 5_000;

export interface FarmMetricsDeps {
  db: Db;
  /** the queues' producers (countJobs) */
  producers: object;
}

/**
 * The farm's Prometheus registry. Build, publish and delivery figures are counted in
 * PostgreSQL at scrape time over every row (builds keep their summary for ever, so the
 * cumulative series only grow): every api replica reports the same values, so aggregate them
 * with max, not sum. Queue depth comes from BullMQ; process metrics are this process's own.
 */
export function createFarmMetrics(deps: FarmMetricsDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "slipway_api_" });
  let cached: { at: number; value: Promise<Snapshot> } | undefined;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at > CACHE_MS) cached = { at: Date.now(), value: readSnapshot(deps.db) };
    return cached.value.catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
  };

  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => Promise<void>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await fill(this);
      },
    });

  gauge("slipway_builds", "Builds by current status", ["status"], async (g) => {
    for (const r of (await snapshot()).byStatus) g.set({ status: r.status }, r.n);
  });
  gauge("slipway_build_steps", "Build steps of finished builds (Dockerfile steps, FROM excluded), cached or run", ["cached"], async (g) => {
    const s = await snapshot();
    g.set({ cached: "true" }, s.steps.cached);
    g.set({ cached: "false" }, s.steps.total - s.steps.cached);
  });
  gauge("slipway_publishes", "Publishes (one per target and tag) by status; failed ones are publish failures", ["status"], async (g) => {
    for (const r of (await snapshot()).publishes) g.set({ status: r.status }, r.n);
  });
  gauge("slipway_webhook_deliveries", "Webhook deliveries stored, by outcome", ["outcome"], async (g) => {
    for (const r of (await snapshot()).deliveries) g.set({ outcome: r.outcome }, r.n);
  });
  gauge("slipway_queue_jobs", "Jobs per queue and state", ["queue", "state"], async (g) => {
    for (const q of await countJobs(deps.producers)) {
      for (const state of ["waiting", "active", "delayed", "failed"] as const) g.set({ queue: q.name, state }, q[state]);
    }
  });
  new AggregateHistogram(
    "slipway_build_queue_wait_seconds",
    "Time from queued to started, per build (its latest attempt)",
    QUEUE_WAIT_BUCKETS,
    async () => (await snapshot()).queueWait,
    registry,
  );
  new AggregateHistogram(
    "slipway_build_duration_seconds",
    "Build duration by final status",
    DURATION_BUCKETS,
    async () => (await snapshot()).duration,
    registry,
  );
  return registry;
}

interface Snapshot {
  byStatus: { status: string; n: number }[];
  steps: { cached: number; total: number };
  publishes: { status: string; n: number }[];
  deliveries: { outcome: string; n: number }[];
  queueWait: HistogramRow[];
  duration: HistogramRow[];
}

/** `count(*) FILTER (WHERE <expr> <= b)` for every bucket: the bounds are our constants. */
const bucketColumns = (expr: string, buckets: readonly number[]) =>
  Prisma.raw(buckets.map((b, i) => `count(*) FILTER (WHERE ${expr} <= ${Number(b)})::int AS b${i}`).join(", "));

async function readSnapshot(db: Db): Promise<Snapshot> {
  const wait = "extract(epoch FROM (started_at - queued_at))";
  const [byStatus, steps, publishes, deliveries, waitRows, durationRows] = await Promise.all([
    db.build.groupBy({ by: ["status"], _count: { _all: true } }),
    db.build.aggregate({ _sum: { cachedSteps: true, totalSteps: true }, where: { finishedAt: { not: null } } }),
    db.publish.groupBy({ by: ["status"], _count: { _all: true } }),
    db.webhookDelivery.groupBy({ by: ["outcome"], _count: { _all: true } }),
    db.$queryRaw<
      Record<string, number>[]
    >`SELECT ${bucketColumns(wait, QUEUE_WAIT_BUCKETS)}, count(*)::int AS n, coalesce(sum(${Prisma.raw(wait)}), 0)::float8 AS s FROM builds WHERE started_at IS NOT NULL`,
    db.$queryRaw<
      (Record<string, number> & { status: string })[]
    >`SELECT status::text AS status, ${bucketColumns("duration_ms / 1000.0", DURATION_BUCKETS)}, count(*)::int AS n, coalesce(sum(duration_ms) / 1000.0, 0)::float8 AS s FROM builds WHERE duration_ms IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled') GROUP BY status`,
  ]);
  const row = (r: Record<string, unknown>, buckets: readonly number[], labels: Record<string, string>): HistogramRow => ({
    labels,
    le: buckets.map((_, i) => Number(r[`b${i}`] ?? 0)),
    count: Number(r.n ?? 0),
    sum: Number(r.s ?? 0),
  });
  return {
    byStatus: byStatus.map((r) => ({ status: r.status, n: r._count._all })),
    steps: { cached: steps._sum.cachedSteps ?? 0, total: steps._sum.totalSteps ?? 0 },
    publishes: publishes.map((r) => ({ status: r.status, n: r._count._all })),
    deliveries: deliveries.map((r) => ({ outcome: r.outcome, n: r._count._all })),
    queueWait: waitRows.map((r) => row(r, QUEUE_WAIT_BUCKETS, {})),
    duration: durationRows.map((r) => row(r, DURATION_BUCKETS, { status: r.status })),
  };
}
