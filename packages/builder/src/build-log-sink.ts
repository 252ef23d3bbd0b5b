import { logStreamKey } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface BuildLogSinkOptions {
  db: Db;
  redis: Redis;
  logger: Logger;
  buildId: string;
  attempt: number;
  /** values masked as *** in every line (credentials, secret build args) */
  secrets?: string[];
  /** lines per Postgres chunk @defaultValue 1000 */
  chunkLines?: number;
  /** how long a partial chunk may wait, ms @defaultValue 1000 */
  flushMs?: number;
  /** how long the live stream is kept after the build, s @defaultValue 86400 */
  streamTtlSeconds?: number;
}

/**
 * A build's log: every line (build output and Slipway's own step messages) goes, masked, to
 * a Redis Stream for live viewers and, in order, to Postgres in chunks of whole lines, which
 * is the record. Nothing is clipped. Redis trouble only costs live viewing; a Postgres write
 * failure surfaces from close() (the build then fails as infrastructure).
 *
 * Not safe for concurrent writers: one sink per build attempt, written by one worker.
 */
export class BuildLogSink {
  private lineNo = 0;
  private seq = 0;
  private chunk: string[] = [];
  private chunkFirst = 1;
  private live: { n: number; line: string }[] = [];
  private pgChain: Promise<void> = Promise.resolve();
  private pgError: unknown;
  private timer: NodeJS.Timeout | undefined;
  private redisWarned = false;
  private readonly secrets: string[];
  private readonly key: string;

  constructor(private readonly o: BuildLogSinkOptions) {
    this.secrets = (o.secrets ?? []).filter((s) => s.length >= 4);
    this.key = logStreamKey(o.buildId, o.attempt);
  }

  /** Resume numbering after lines an earlier try of this attempt stored (infra retry). */
  async resume(): Promise<void> {
    const last = await this.o.db.buildLogChunk.findFirst({ where: { buildId: this.o.buildId, attempt: this.o.attempt }, orderBy: { seq: "desc" } });
    if (last) {
      this.seq = last.seq + 1;
      this.lineNo = last.firstLine + last.lineCount - 1;
      this.chunkFirst = this.lineNo + 1;
    }
  }

  get lines(): number {
    return this.lineNo;
  }

  write(raw: string): void {
    let line = raw;
    for (const s of this.secrets) line = line.split(s).join("***");
    this.lineNo++;
    this.chunk.push(line);
    this.live.push({ n: this.lineNo, line });
    if (this.chunk.length >= (this.o.chunkLines ?? 1000)) this.flushChunk();
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushChunk();
      }, this.o.flushMs ?? 1000);
    }
    if (this.live.length >= 500) this.flushLive();
  }

  /** Writes everything buffered; throws if any Postgres write failed. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushChunk();
    await this.flushLive(true);
    await this.pgChain;
    if (this.pgError) throw this.pgError;
  }

  private flushChunk(): void {
    this.flushLive();
    if (!this.chunk.length) return;
    const data = { buildId: this.o.buildId, attempt: this.o.attempt, seq: this.seq++, firstLine: this.chunkFirst, lineCount: this.chunk.length, content: this.chunk.join("\n") };
    this.chunkFirst += this.chunk.length;
    this.chunk = [];
    this.pgChain = this.pgChain.then(async () => {
      if (this.pgError) return;
      try {
        await this.o.db.buildLogChunk.create({ data });
      } catch (err) {
        this.pgError = err;
      }
    });
  }

  private liveChain: Promise<void> = Promise.resolve();
  private flushLive(final = false): Promise<void> {
    const batch = this.live;
    this.live = [];
    const ttl = this.o.streamTtlSeconds ?? 86_400;
    this.liveChain = this.liveChain.then(async () => {
      if (!batch.length && !final) return;
      try {
        const p = this.o.redis.pipeline();
        for (const { n, line } of batch) p.xadd(this.key, "*", "n", String(n), "l", line);
        if (final) p.expire(this.key, ttl);
        await p.exec();
      } catch (err) {
        if (!this.redisWarned) {
          this.redisWarned = true;
          this.o.logger.warn({ err: (err as Error).message, buildId: this.o.buildId }, "live log stream unavailable; the log is still stored");
        }
      }
    });
    return this.liveChain;
  }
}
