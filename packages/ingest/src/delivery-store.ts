import { AppError } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { GroupCommit } from "./group-commit";
import { DeliveryStoreError, storeDeliveries, type DeliveryToStore, type StoredDelivery } from "./store-deliveries";

export interface DeliveryStoreOptions {
  /** deliveries per commit @defaultValue 64 */
  maxBatch?: number;
  /** commits in flight at once (database connections ingest uses) @defaultValue 2 */
  concurrency?: number;
  /** SLIPWAY_INGEST_MAX_PENDING: deliveries accepted for storing at once; beyond, answer 503
   * before reading the body @defaultValue 2000 */
  maxPending?: number;
}

/**
 * Where the webhook route stores deliveries: group commit (GroupCommit) of storeDeliveries,
 * with explicit back-pressure. `full` says when to refuse a delivery before anything is
 * stored (503 with Retry-After, which GitHub's redeliver button and a load balancer honour),
 * rather than let it wait for a pool connection and time out after the fact.
 */
export class DeliveryStore {
  private readonly commits: GroupCommit<DeliveryToStore, StoredDelivery | DeliveryStoreError>;
  private readonly maxPending: number;

  constructor(
    private readonly db: Db,
    private readonly logger: { error: (fields: object, message: string) => void },
    opts: DeliveryStoreOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 2000;
    this.commits = new GroupCommit((items) => this.flush(items), { maxBatch: opts.maxBatch ?? 64, concurrency: opts.concurrency ?? 2 });
  }

  /** True when another delivery would exceed maxPending: refuse it (503) before reading it. */
  get full(): boolean {
    return this.commits.pending >= this.maxPending;
  }

  async store(item: DeliveryToStore): Promise<StoredDelivery> {
    const r = await this.commits.submit(item);
    if (!(r instanceof DeliveryStoreError)) return r;
    // Class 22 (data exception): the payload itself cannot be stored, e.g. \u0000 in a string,
    // which PostgreSQL's jsonb refuses.
    if (r.sqlstate.startsWith("22")) throw new AppError("unprocessable", `the payload cannot be stored: ${r.message}`);
    this.logger.error(
      { sqlstate: r.sqlstate, err: r.message, deliveryId: item.delivery.deliveryId },
      "a webhook delivery could not be stored",
    );
    throw r;
  }

  private async flush(items: DeliveryToStore[]): Promise<(StoredDelivery | DeliveryStoreError)[]> {
    try {
      return await storeDeliveries(this.db, items);
    } catch (err) {
      // One payload the input cast refuses fails the whole call: store the others one by one.
      if (items.length > 1 && sqlStateOf(err)?.startsWith("22")) {
        const out: (StoredDelivery | DeliveryStoreError)[] = [];
        for (const item of items) out.push(...(await this.flush([item])));
        return out;
      }
      if (items.length === 1 && sqlStateOf(err)?.startsWith("22")) return [new DeliveryStoreError(pgMessageOf(err), sqlStateOf(err)!)];
      // The statement failed as a whole: nothing of this batch is stored (one statement, one
      // transaction). Most likely PostgreSQL is down or the pool is exhausted: say so as 503,
      // so the sender retries; a redelivery is deduplicated by its delivery id.
      this.logger.error({ err, deliveries: items.length }, "storing webhook deliveries failed");
      throw new AppError("unavailable", "deliveries cannot be stored right now (database unavailable); retry later");
    }
  }
}

type PrismaRawError = { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; originalMessage?: unknown } } } } | undefined;

/** The PostgreSQL SQLSTATE behind a Prisma raw-query error (its driver adapter's cause), when there is one. */
function sqlStateOf(err: unknown): string | undefined {
  const code = (err as PrismaRawError)?.meta?.driverAdapterError?.cause?.originalCode;
  return typeof code === "string" ? code : undefined;
}

/** PostgreSQL's own message (e.g. "unsupported Unicode escape sequence"), without Prisma's invocation text. */
function pgMessageOf(err: unknown): string {
  const message = (err as PrismaRawError)?.meta?.driverAdapterError?.cause?.originalMessage;
  return typeof message === "string" ? message : "invalid data";
}
