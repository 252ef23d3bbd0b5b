import { stepOfEvent, ZFarmEventData, type TBuildStep, type TFarmEvent, type TFarmEventData } from "@slipway/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** Events kept for late or reconnecting followers (MAXLEN ~): at 10 events a build, the last ~2,000 builds. */
const KEEP = 20_000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
/** Entries one XRANGE reads. */
const PAGE = 1_000;

/** When an event happened: its own `at`, or the time in its stream id. */
const atOf = (raw: { at?: unknown } | null, id: string): string =>
  typeof raw?.at === "string" ? raw.at : new Date(Number(id.split("-")[0])).toISOString();

/**
 * The farm's event stream: a Redis Stream every process appends to and api followers read
 * with XREAD BLOCK, resuming after the id they last saw. Events say that something happened;
 * PostgreSQL stays the record, so a lost event (Redis down for a moment) costs a dashboard a
 * refresh, never a build: emit() logs and goes on rather than fail the caller.
 */
export class EventBus {
  /** `key`: the stream's Redis key @defaultValue slipway:events */
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    readonly key = "slipway:events",
  ) {}

  emit(event: TFarmEventData): void {
    const entry = JSON.stringify({ ...event, at: new Date().toISOString() });
    this.redis.xadd(this.key, "MAXLEN", "~", KEEP, "*", "e", entry).catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message, type: event.type, buildId: event.buildId }, "could not emit a farm event");
    });
  }

  /**
   * The steps that build.step events told for one attempt since `sinceMs` (the attempt's
   * start): what a page or script opened mid-build asks for, since steps are stored only as
   * the attempt ends. Reads the kept events a page at a time (XRANGE), at most KEEP of them.
   */
  async stepsOf(buildId: string, attempt: number, sinceMs: number): Promise<TBuildStep[]> {
    const steps = new Map<number, TBuildStep>();
    let from = `${Math.max(0, Math.floor(sinceMs))}-0`;
    for (let read = 0; read < KEEP; read += PAGE) {
      const page = (await this.redis.xrange(this.key, from, "+", "COUNT", PAGE)) as [string, string[]][];
      for (const [id, fields] of page) {
        const raw = JSON.parse(fields[fields.indexOf("e") + 1] ?? "null") as { at?: unknown } | null;
        const parsed = ZFarmEventData.safeParse(raw);
        if (!parsed.success || parsed.data.type !== "build.step" || parsed.data.buildId !== buildId || parsed.data.attempt !== attempt)
          continue;
        steps.set(parsed.data.index, stepOfEvent({ ...parsed.data, id, at: atOf(raw, id) }));
      }
      if (page.length < PAGE) break;
      from = `(${page[page.length - 1]![0]}`;
    }
    return [...steps.values()].sort((a, b) => a.index - b.index);
  }

  /**
   * Events after `after` (an id from an earlier event; "$": only new ones), as they come, until
   * `signal` aborts. `redis` must be a connection of the follower's own: XREAD BLOCK holds it.
   * An `after` older than the oldest kept event resumes from the oldest kept.
   */
  static async *follow(redis: Redis, key: string, after: string, signal: AbortSignal, blockMs = 5_000): AsyncGenerator<TFarmEvent> {
    if (after !== "$" && !STREAM_ID.test(after)) throw new Error(`not an event id: ${JSON.stringify(after).slice(0, 40)}`);
    let cursor = after;
    if (cursor === "$") {
      // "$" in a loop would skip what arrives between two reads: pin the current last id.
      const last = (await redis.xrevrange(key, "+", "-", "COUNT", 1)) as [string, string[]][];
      cursor = last[0]?.[0] ?? "0-0";
    }
    while (!signal.aborted) {
      const res = (await redis.xread("COUNT", 500, "BLOCK", blockMs, "STREAMS", key, cursor)) as [string, [string, string[]][]][] | null;
      for (const [id, fields] of res?.[0]?.[1] ?? []) {
        cursor = id;
        const raw = JSON.parse(fields[fields.indexOf("e") + 1] ?? "null") as { at?: unknown } | null;
        const parsed = ZFarmEventData.safeParse(raw);
        if (!parsed.success) continue; // written by a newer or older version: not for us
        yield { ...parsed.data, id, at: atOf(raw, id) };
      }
    }
  }
}
