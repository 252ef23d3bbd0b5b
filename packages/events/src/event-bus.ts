import { stepOfEvent, ZBuildStep, ZFarmEventData, type TBuildStep, type TFarmEvent, type TFarmEventData } from "@slipway/contracts";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** Events kept for late or reconnecting followers (MAXLEN ~): at 10 events a build, the last ~2,000 builds. */
const KEEP = 20_000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
/** How long an attempt's live steps are kept (the attempt stores them as it ends). */
const STEPS_TTL_S = 24 * 3600;

/** An entry's event: its "e" field as JSON; null when it has none or it is not JSON (not ours). */
function entryOf(fields: string[]): { at?: unknown } | null {
  const i = fields.indexOf("e");
  if (i < 0 || i % 2 === 1) return null;
  try {
    return JSON.parse(fields[i + 1] ?? "null") as { at?: unknown } | null;
  } catch {
    return null;
  }
}

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

  /** Events emitted in this turn of the event loop, written together at its end. */
  private pending: { event: TFarmEventData; at: string }[] = [];

  /**
   * Appends an event. Events emitted in one turn of the event loop go to Redis in one write
   * (a pipeline), in order: a batch of webhook deliveries answered together emits one
   * build.queued each, and one write per event was a tenth of the api's CPU under a burst.
   * (ioredis's enableAutoPipelining would do this for every command, but this connection is
   * shared with BullMQ's producers, which are not known to be safe with it.)
   */
  emit(event: TFarmEventData): void {
    if (!this.pending.length) setImmediate(() => this.flush());
    this.pending.push({ event, at: new Date().toISOString() });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const pipeline = this.redis.pipeline();
    /** where each event's XADD sits among the pipeline's results */
    const xaddAt: number[] = [];
    for (const { event, at } of batch) {
      xaddAt.push(pipeline.length);
      pipeline.xadd(this.key, "MAXLEN", "~", KEEP, "*", "e", JSON.stringify({ ...event, at }));
      if (event.type !== "build.started" && event.type !== "build.step") continue;
      const key = this.stepsKey(event.buildId, event.attempt);
      // A new try of an attempt starts its steps afresh.
      if (event.type === "build.started") pipeline.del(key);
      // The attempt's steps so far, by index, for a page opened mid-build (stepsOf): one small
      // hash per running attempt, gone a day later (steps are stored as the attempt ends).
      else pipeline.hset(key, String(event.index), JSON.stringify(stepOfEvent({ ...event, id: "", at }))).expire(key, STEPS_TTL_S);
    }
    const failed = (event: TFarmEventData, err: unknown) =>
      this.logger.warn({ err: (err as Error).message, type: event.type, buildId: event.buildId }, "could not emit a farm event");
    pipeline.exec().then(
      (results) => {
        // One result per command; an event failed when its XADD did.
        batch.forEach(({ event }, n) => {
          const err = results?.[xaddAt[n]!]?.[0];
          if (err) failed(event, err);
        });
      },
      (err: unknown) => {
        for (const { event } of batch) failed(event, err);
      },
    );
  }

  /** The steps that build.step events told for one attempt so far (in step order). */
  async stepsOf(buildId: string, attempt: number): Promise<TBuildStep[]> {
    const all = await this.redis.hgetall(this.stepsKey(buildId, attempt));
    const steps: TBuildStep[] = [];
    for (const json of Object.values(all)) {
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        continue;
      }
      const parsed = ZBuildStep.safeParse(value);
      if (parsed.success) steps.push(parsed.data);
    }
    return steps.sort((a, b) => a.index - b.index);
  }

  private stepsKey(buildId: string, attempt: number): string {
    return `${this.key}:steps:${buildId}:${attempt}`;
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
        const raw = entryOf(fields);
        const parsed = ZFarmEventData.safeParse(raw);
        if (!parsed.success) continue; // written by a newer or older version: not for us
        yield { ...parsed.data, id, at: atOf(raw, id) };
      }
    }
  }
}
