import { AppError } from "@slipway/contracts";
import { sqlStateOf, type Db } from "@slipway/db";
import { GroupCommit } from "./group-commit";
import { DeliveryStoreError, storeDeliveries, type DeliveryToStore, type StoredDelivery } from "./store-deliveries";

export interface DeliveryStoreOptions {
  /** deliveries per commit @defaultValue 64 */
  maxBatch?: number;
  /** payload bytes per commit (one large delivery still goes alone) @defaultValue 8 MiB */
  maxBatchBytes?: number;
  /** commits in flight at once (database connections ingest uses) @defaultValue 2 */
  concurrency?: number;
}

type Logger = { error: (fields: object, message: string) => void; warn: (fields: object, message: string) => void };

/** SQLSTATEs of a delivery that lost a race (deadlock, serialization, lock timeout, a unique key taken twice): worth another go. */
const TRANSIENT = new Set(["40P01", "40001", "55P03", "23505"]);
/** The payload itself cannot be stored: a data exception (e.g. \u0000, which jsonb refuses) or a program limit (nesting depth). */
const refusesPayload = (sqlstate: string) => sqlstate.startsWith("22") || sqlstate.startsWith("54");
/** The database (not the batch) is the problem: connection lost, server shutting down, out of resources. */
const databaseDown = (sqlstate: string | undefined) => sqlstate === undefined || /^(08|53|57|58)/.test(sqlstate);

/**
 * Where the webhook route stores deliveries: group commit (GroupCommit) of storeDeliveries.
 * Failures come back per delivery, and none is a 500 unless the code is wrong: a delivery that
 * lost a race goes once more into the next batch, then answers 503; one whose payload the
 * database refuses answers 422; the database unreachable answers 503. A batch the database
 * refuses as a whole (one payload its input cast cannot take) is split and stored one by one,
 * so one sender's payload never costs another's delivery.
 */
export class DeliveryStore {
  private readonly commits: GroupCommit<DeliveryToStore, StoredDelivery | DeliveryStoreError>;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    opts: DeliveryStoreOptions = {},
  ) {
    this.commits = new GroupCommit((items) => this.flush(items), {
      maxBatch: opts.maxBatch ?? 64,
      maxWeight: opts.maxBatchBytes ?? 8 * 1024 * 1024,
      weight: (item) => item.delivery.json.length,
      concurrency: opts.concurrency ?? 2,
    });
  }

  async store(item: DeliveryToStore): Promise<StoredDelivery> {
    let r = await this.commits.submit(item);
    if (r instanceof DeliveryStoreError && TRANSIENT.has(r.sqlstate)) r = await this.commits.submit(item);
    if (!(r instanceof DeliveryStoreError)) return r;
    const fields = { sqlstate: r.sqlstate, err: r.message, deliveryId: item.delivery.deliveryId };
    if (refusesPayload(r.sqlstate)) {
      this.logger.warn(fields, "a webhook payload the database cannot store");
      throw new AppError(
        "unprocessable",
        "the payload cannot be stored: the database refuses a value in it (e.g. \\u0000 in a string, or nesting too deep)",
      );
    }
    if (TRANSIENT.has(r.sqlstate)) {
      this.logger.warn(fields, "a webhook delivery lost a race twice; answered 503");
      throw new AppError("unavailable", "the delivery could not be stored right now (a concurrent delivery held its rows); retry later");
    }
    this.logger.error(fields, "a webhook delivery could not be stored");
    throw r;
  }

  private async flush(items: DeliveryToStore[]): Promise<(StoredDelivery | DeliveryStoreError)[]> {
    try {
      return await storeDeliveries(this.db, items);
    } catch (err) {
      const sqlstate = sqlStateOf(err);
      if (!databaseDown(sqlstate)) {
        // The statement failed as a whole, outside the per-delivery subtransactions (the input
        // cast): split the batch so each delivery answers for itself.
        if (items.length > 1) {
          const out: (StoredDelivery | DeliveryStoreError)[] = [];
          for (const item of items) out.push(...(await this.flush([item])));
          return out;
        }
        return [new DeliveryStoreError(pgMessageOf(err), sqlstate!)];
      }
      // Nothing of this batch is stored (one statement, one transaction); most likely
      // PostgreSQL is down. 503: the sender retries, and a redelivery is deduplicated by its id.
      this.logger.error({ err, deliveries: items.length }, "storing webhook deliveries failed");
      throw new AppError("unavailable", "deliveries cannot be stored right now (database unavailable); retry later");
    }
  }
}

type PrismaRawError = { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; originalMessage?: unknown } } } } | undefined;

/** PostgreSQL's own message, without Prisma's invocation text (logged, never answered). */
function pgMessageOf(err: unknown): string {
  const message = (err as PrismaRawError)?.meta?.driverAdapterError?.cause?.originalMessage;
  return typeof message === "string" ? message : String(err);
}
