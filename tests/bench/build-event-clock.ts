// When this process saw each build start and end: it follows the farm's event stream
// (Redis, XREAD BLOCK, as the api's SSE followers do) and notes the arrival time of
// build.started and build.finished per build id.
import { EventBus } from "@slipway/events";
import { createRedis } from "@slipway/queue";

export class BuildEventClock {
  private readonly started = new Map<string, number>();
  private readonly finished = new Map<string, string>();
  private readonly abort = new AbortController();
  private readonly redis;
  private readonly loop: Promise<void>;

  private constructor(redisUrl: string, key: string) {
    // XREAD BLOCK holds its connection: one of the clock's own.
    this.redis = createRedis(redisUrl, "worker");
    this.loop = this.follow(key);
  }

  /** Starts following `key` from now on. */
  static start(redisUrl: string, key = "slipway:events"): BuildEventClock {
    return new BuildEventClock(redisUrl, key);
  }

  private async follow(key: string): Promise<void> {
    try {
      for await (const e of EventBus.follow(this.redis, key, "$", this.abort.signal, 1_000)) {
        if (e.type === "build.started" && !this.started.has(e.buildId)) this.started.set(e.buildId, performance.now());
        if (e.type === "build.finished" && e.status !== "queued") this.finished.set(e.buildId, e.status);
      }
    } catch (err) {
      if (!this.abort.signal.aborted) throw err;
    }
  }

  /** performance.now() when build.started of `buildId` arrived; waits up to timeoutMs for it. */
  async startedAt(buildId: string, timeoutMs = 60_000): Promise<number> {
    await this.until(() => this.started.has(buildId), timeoutMs, `build ${buildId} to start`);
    return this.started.get(buildId)!;
  }

  /** The build's final status (succeeded, failed or cancelled), once build.finished says so. */
  async finishedStatus(buildId: string, timeoutMs = 300_000): Promise<string> {
    await this.until(() => this.finished.has(buildId), timeoutMs, `build ${buildId} to finish`);
    return this.finished.get(buildId)!;
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // 1 ms polls of a Map in this process: the event's own arrival time is what is measured.
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.redis.disconnect();
  }
}
