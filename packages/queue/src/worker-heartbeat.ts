import type { Redis } from "ioredis";

export interface HeartbeatIdentity {
  workerId: string;
  role: "build" | "publish";
  host: string;
  concurrency: number;
}

interface Running {
  buildId: string;
  repository: string;
}

/** A worker that missed this many beats is gone (SIGKILL, host down). */
const MISSED_BEATS = 3;

/**
 * A worker process says every few seconds that it is alive and what it is running: a hash per
 * worker (expiring after three missed beats) and a sorted set of workers by last beat, so the
 * api lists live workers without SCAN. Best effort: Redis down only means the worker is not
 * listed for a while.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();
  private problem = "";

  constructor(
    private readonly redis: Redis,
    private readonly who: HeartbeatIdentity,
    private readonly running: () => Running[],
    /** key prefix @defaultValue "slipway" */
    private readonly prefix = "slipway",
    private readonly intervalMs = 5_000,
  ) {}

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** What keeps this worker from working (e.g. its Docker daemon down), shown with it; undefined: nothing. Beats at once. */
  setProblem(problem: string | undefined): void {
    this.problem = problem ?? "";
    void this.beat();
  }

  async beat(): Promise<void> {
    const now = Date.now();
    const key = `${this.prefix}:worker:${this.who.workerId}`;
    await this.redis
      .multi()
      .hset(key, {
        role: this.who.role,
        host: this.who.host,
        concurrency: String(this.who.concurrency),
        startedAt: this.startedAt,
        lastHeartbeatAt: new Date(now).toISOString(),
        running: JSON.stringify(this.running()),
        problem: this.problem,
      })
      .pexpire(key, this.intervalMs * MISSED_BEATS)
      .zadd(`${this.prefix}:workers`, now, this.who.workerId)
      .exec()
      .catch(() => {});
  }

  /** Stops beating and takes this worker off the list at once (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis
      .multi()
      .del(`${this.prefix}:worker:${this.who.workerId}`)
      .zrem(`${this.prefix}:workers`, this.who.workerId)
      .exec()
      .catch(() => {});
  }
}

export interface HeartbeatRecord {
  id: string;
  role: "build" | "publish";
  host: string;
  concurrency: number;
  startedAt: string;
  lastHeartbeatAt: string;
  running: Running[];
  /** what keeps it from working, if anything */
  problem: string | null;
}

/** Workers whose hash is still there (alive within three beats); drops the others from the set. */
export async function listHeartbeats(redis: Redis, prefix = "slipway"): Promise<HeartbeatRecord[]> {
  const ids = await redis.zrange(`${prefix}:workers`, 0, -1);
  const out: HeartbeatRecord[] = [];
  const gone: string[] = [];
  // One round trip for every worker's hash (routing reads this list for each decision).
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(`${prefix}:worker:${id}`);
  const hashes = (await pipeline.exec()) ?? [];
  for (const [n, id] of ids.entries()) {
    const [err, value] = hashes[n] ?? [null, {}];
    if (err) throw err;
    const h = value as Record<string, string>;
    if (!h.host) {
      gone.push(id);
      continue;
    }
    let running: Running[] = [];
    try {
      running = JSON.parse(h.running ?? "[]") as Running[];
    } catch {
      /* an unreadable list reads as idle */
    }
    out.push({
      id,
      role: h.role === "publish" ? "publish" : "build",
      host: h.host,
      concurrency: Number(h.concurrency) || 1,
      startedAt: h.startedAt ?? "",
      lastHeartbeatAt: h.lastHeartbeatAt ?? "",
      running,
      problem: h.problem || null,
    });
  }
  if (gone.length) await redis.zrem(`${prefix}:workers`, ...gone).catch(() => {});
  return out;
}
