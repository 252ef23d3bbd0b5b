/**
 * Group commit: calls to `submit` that arrive while `concurrency` flushes are in flight wait and
 * go together in the next flush (at most `maxBatch` items and `maxWeight` of weight each; an
 * item heavier than that goes alone). One item alone is flushed at once (no timer); under load
 * the batches grow by themselves, so commits (one fsync each) are shared by as many items as
 * arrived meanwhile.
 *
 * Hand-written: DataLoader (the usual batching library) batches what is asked within one
 * event-loop tick, while HTTP requests arrive one tick each; here a batch is what arrived
 * during the previous commit.
 */
export class GroupCommit<I, O> {
  private readonly waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly opts: {
      /** items per flush @defaultValue 64 */
      maxBatch?: number;
      /** weight per flush @defaultValue Infinity */
      maxWeight?: number;
      /** an item's weight (e.g. its bytes) @defaultValue 1 */
      weight?: (item: I) => number;
      /** flushes in flight at once (database connections used) @defaultValue 2 */
      concurrency?: number;
    } = {},
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.inFlight >= (this.opts.concurrency ?? 2) || !this.waiting.length) return;
    const batch = this.waiting.splice(0, this.batchLength());
    this.inFlight++;
    this.flush(batch.map((b) => b.item))
      .then(
        (out) => batch.forEach((b, i) => b.resolve(out[i] as O)),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.inFlight--;
        this.next();
      });
    this.next();
  }

  /** How many of the waiting items the next flush takes. */
  private batchLength(): number {
    const max = Math.min(this.opts.maxBatch ?? 64, this.waiting.length);
    const weight = this.opts.weight;
    if (!weight) return max;
    let total = 0;
    for (let n = 0; n < max; n++) {
      total += weight(this.waiting[n]!.item);
      if (total > (this.opts.maxWeight ?? Infinity)) return Math.max(1, n);
    }
    return max;
  }
}
