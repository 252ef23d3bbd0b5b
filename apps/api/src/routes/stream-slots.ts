import { AppError } from "@slipway/contracts";

/**
 * Open live streams (build logs, the event stream) of this api process, per token and in all: each holds a Redis
 * connection of its own (XREAD BLOCK) and a socket, so a read token that opens thousands would
 * exhaust Redis' maxclients or the process's file descriptors. Counted by hand: a handful of
 * lines, no library counts open responses.
 */
export class StreamSlots {
  private readonly byToken = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perToken: number,
    private readonly max: number,
  ) {}

  /** Takes a slot or throws 429 naming the limit; the returned function gives it back (once). */
  take(tokenId: string): () => void {
    const mine = this.byToken.get(tokenId) ?? 0;
    if (mine >= this.perToken)
      throw new AppError("rate_limited", `this token has ${mine} live streams open (SLIPWAY_LOG_STREAMS_PER_TOKEN); close one first`);
    if (this.total >= this.max)
      throw new AppError("rate_limited", `the api has ${this.total} live streams open (SLIPWAY_LOG_STREAMS_MAX); try again later`);
    this.byToken.set(tokenId, mine + 1);
    this.total++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total--;
      const left = (this.byToken.get(tokenId) ?? 1) - 1;
      if (left > 0) this.byToken.set(tokenId, left);
      else this.byToken.delete(tokenId);
    };
  }
}

const perDeps = new WeakMap<object, StreamSlots>();

/** The one set of slots of an api (its deps): log streams and event streams count together. */
export function streamSlotsOf(deps: { logStreams?: { perToken: number; max: number } }): StreamSlots {
  let slots = perDeps.get(deps);
  if (!slots) perDeps.set(deps, (slots = new StreamSlots(deps.logStreams?.perToken ?? 20, deps.logStreams?.max ?? 500)));
  return slots;
}
