import { Histogram, type Registry } from "prom-client";

export interface HistogramRow {
  labels: Record<string, string>;
  /** cumulative counts per bucket upper bound (seconds), same order as the buckets */
  le: number[];
  count: number;
  sum: number;
}

/**
 * A Prometheus histogram whose buckets are counted elsewhere (by PostgreSQL over every build):
 * prom-client's Histogram only accumulates observe() calls made in this process, so this one
 * keeps its name, help and formatting but answers with the bucket counts `rows` reads.
 */
export class AggregateHistogram extends Histogram<string> {
  constructor(
    private readonly metric: string,
    private readonly about: string,
    private readonly bounds: readonly number[],
    private readonly rows: () => Promise<HistogramRow[]>,
    registry: Registry,
  ) {
    super({ name: metric, help: about, buckets: [...bounds], labelNames: ["status"], registers: [registry] });
  }

  override async get(): ReturnType<Histogram<string>["get"]> {
    const values: Awaited<ReturnType<Histogram<string>["get"]>>["values"] = [];
    for (const r of await this.rows()) {
      this.bounds.forEach((b, i) =>
        values.push({ metricName: `${this.metric}_bucket`, labels: { ...r.labels, le: b }, value: r.le[i] ?? 0 }),
      );
      values.push({ metricName: `${this.metric}_bucket`, labels: { ...r.labels, le: "+Inf" }, value: r.count });
      values.push({ metricName: `${this.metric}_sum`, labels: r.labels, value: r.sum });
      values.push({ metricName: `${this.metric}_count`, labels: r.labels, value: r.count });
    }
    return { name: this.metric, help: this.about, type: "histogram" as never, aggregator: "max", collect: () => {}, values };
  }

  /** the registry formats what this returns (prom-client's own Histogram answers its observations here) */
  getForPromString() {
    return this.get();
  }
}
