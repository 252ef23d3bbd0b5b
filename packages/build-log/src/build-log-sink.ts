import { logStreamKey } from "@slipway/contracts";
import { isUniqueViolation, whileDatabaseDown, type Db } from "@slipway/db";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { cutLine } from "./cut-line";
import { formatBytes } from "./format-bytes";
import { SecretMasker } from "./secret-masker";

export interface BuildLogSinkOptions {
  db: Db;
  redis: Redis;
  logger: Logger;
  buildId: string;
  attempt: number;
  /** values masked as *** in every line, stored and live (build secrets, credentials); more
   * can be added with addSecrets(). How they are found: SecretMasker */
  secrets?: readonly string[];
  /** the most this attempt's stored log may hold, in UTF-8 bytes with one newline per line;
   * build output past it is dropped @defaultValue 64 MiB */
  maxBytes?: number;
  /** lines per Postgres chunk @defaultValue 1000 */
  chunkLines?: number;
  /** stops waiting out a PostgreSQL outage to store chunks (the worker shutting down) */
  stopWaiting?: AbortSignal;
  /** bytes per Postgres chunk (a chunk is closed once it holds this much): bounds what a reader
   * of the log holds per chunk @defaultValue 256 KiB */
  chunkBytes?: number;
  /** how long a partial chunk may wait, ms @defaultValue 1000 */
  flushMs?: number;
  /** how long the live stream is kept after its last write while the attempt runs, s
   * @defaultValue 86400 */
  streamTtlSeconds?: number;
  /** how long it is kept once the log is closed (readers of an ended attempt read Postgres), s
   * @defaultValue 600 */
  closedStreamTtlSeconds?: number;
  /** entries the live stream keeps, about (XADD MAXLEN ~; followers that fall further behind
   * read the gap from Postgres) @defaultValue 2000 */
  streamMaxLen?: number;
}

/** How the limit line starts; resume() looks for it. */
const LIMIT_MARKER_PREFIX = "slipway: the log reached its limit of ";
const limitMarker = (maxBytes: number) =>
  `${LIMIT_MARKER_PREFIX}${formatBytes(maxBytes)} (SLIPWAY_BUILD_LOG_MAX_MB); further output of this build is not kept`;

/**
 * Lines in the live stream are cut shorter than stored ones: MAXLEN bounds entries, not bytes,
 * so with 2,000 entries of at most 4 KiB one running attempt holds about 8 MiB of Redis at
 * worst (measured before: a build printing 64 KiB lines could keep 64 MiB per stream for a
 * day, and a few such builds fill a 1 GB noeviction Redis, which stops the queues).
 */
const LIVE_LINE_BYTES = 4 * 1024;
const LIVE_BATCH_LINES = 500;
const LIVE_BATCH_BYTES = 1024 * 1024;

/**
 * A build's log: every line, masked and cut to MAX_LINE_BYTES, goes to a Redis Stream for live
 * viewers (trimmed to about `streamMaxLen` entries, expiring `streamTtlSeconds` after its last
 * write) and, in order, to Postgres in chunks of whole lines, which is the record. Redis
 * trouble only costs live viewing; a Postgres write failure surfaces from close() (the build
 * then fails as infrastructure).
 *
 * Two kinds of lines: `write()` is build output and counts against `maxBytes`. The first line
 * that does not fit is replaced by one marker line and everything written after it is dropped
 * (the build goes on, as GitLab's runner does). `note()` is Slipway's own few lines (start,
 * outcome, publish results): they are kept even past the limit, so a clipped log still says
 * how the build ended and where its image went. They are counted in the size too, so the
 * stored log stays within `maxBytes` plus the marker and the closing notes (a few KiB).
 *
 * Memory: everything queued for Redis and Postgres was written within the limit, so a worker
 * holds at most `maxBytes` (plus notes) per build, however slow the stores are.
 *
 * Not safe for concurrent writers: one sink per build attempt, written by one worker.
 */
export class BuildLogSink {
  private lineNo = 0;
  /** bytes stored (or queued to be) for this attempt, tries before this one included */
  private bytes = 0;
  /** the limit was reached: build output is dropped */
  private full = false;
  private seq = 0;
  private chunk: string[] = [];
  private chunkSize = 0;
  private chunkFirst = 1;
  private live: { n: number; line: string }[] = [];
  private liveSize = 0;
  private pgChain: Promise<void> = Promise.resolve();
  private pgError: unknown;
  private liveChain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private redisWarned = false;
  private readonly masker: SecretMasker;
  private readonly key: string;
  private readonly maxBytes: number;

  constructor(private readonly o: BuildLogSinkOptions) {
    this.masker = new SecretMasker(o.secrets);
    this.key = logStreamKey(o.buildId, o.attempt);
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
  }

  /**
   * Resume after what an earlier try of this attempt stored (infra retry, publish lines):
   * line numbers, the byte count and whether the limit was already reached.
   */
  async resume(): Promise<void> {
    const where = { buildId: this.o.buildId, attempt: this.o.attempt };
    const last = await this.o.db.buildLogChunk.findFirst({
      where,
      orderBy: { seq: "desc" },
      select: { seq: true, firstLine: true, lineCount: true },
    });
    if (!last) return;
    this.seq = last.seq + 1;
    this.lineNo = last.firstLine + last.lineCount - 1;
    this.chunkFirst = this.lineNo + 1;
    // octet_length of a TOASTed value is read from its header: no chunk is decompressed.
    const [sum] = await this.o.db.$queryRaw<{ bytes: bigint }[]>`
      SELECT coalesce(sum(octet_length(content) + 1), 0)::bigint AS bytes
      FROM build_log_chunks WHERE build_id = ${this.o.buildId}::uuid AND attempt = ${this.o.attempt}`;
    this.bytes = Number(sum?.bytes ?? 0);
    // The marker is stored as a chunk of its own, so only one-line chunks are looked at.
    this.full =
      (await this.o.db.buildLogChunk.count({ where: { ...where, lineCount: 1, content: { startsWith: LIMIT_MARKER_PREFIX } } })) > 0;
  }

  get lines(): number {
    return this.lineNo;
  }

  /** bytes of this attempt's log (UTF-8, a newline per line), earlier tries included */
  get size(): number {
    return this.bytes;
  }

  /**
   * Masks these values too, in every line written from now on (a build's secrets are known
   * once its .slipway.yml is read, after the checkout's lines).
   */
  addSecrets(values: readonly string[]): void {
    this.masker.add(values);
  }

  /** `text` masked as this log masks its lines (for what leaves the build elsewhere: its error message, step names). */
  mask(text: string): string {
    return text.includes("\n")
      ? text
          .split("\n")
          .map((l) => this.masker.mask(l))
          .join("\n")
      : this.masker.mask(text);
  }

  /** Build output: counts against the limit; dropped once it is reached. */
  write(text: string): void {
    if (text.includes("\n")) for (const l of text.split("\n")) this.add(l, false);
    else this.add(text, false);
  }

  /** One of Slipway's own lines (start, outcome, publish): kept even past the limit. */
  note(text: string): void {
    if (text.includes("\n")) for (const l of text.split("\n")) this.add(l, true);
    else this.add(text, true);
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

  private add(raw: string, own: boolean): void {
    if (this.full && !own) return;
    // Masked before anything else sees the line (the live stream, the record), and before the
    // cut: a cut never leaves a secret's first half behind.
    const line = cutLine(this.masker.mask(raw));
    const size = Buffer.byteLength(line) + 1;
    if (!own && this.bytes + size > this.maxBytes) {
      this.full = true;
      this.flushChunk();
      this.append(limitMarker(this.maxBytes));
      this.flushChunk(); // a chunk of its own: resume() finds it without reading the log
      return;
    }
    this.append(line, size);
  }

  private append(line: string, size = Buffer.byteLength(line) + 1): void {
    this.bytes += size;
    this.lineNo++;
    this.chunk.push(line);
    this.chunkSize += size;
    const live = cutLine(line, LIVE_LINE_BYTES);
    this.live.push({ n: this.lineNo, line: live });
    this.liveSize += Math.min(size, LIVE_LINE_BYTES + 64);
    if (this.chunk.length >= (this.o.chunkLines ?? 1000) || this.chunkSize >= (this.o.chunkBytes ?? 256 * 1024)) this.flushChunk();
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushChunk();
      }, this.o.flushMs ?? 1000);
    }
    if (this.live.length >= LIVE_BATCH_LINES || this.liveSize >= LIVE_BATCH_BYTES) void this.flushLive();
  }

  private flushChunk(): void {
    void this.flushLive();
    if (!this.chunk.length) return;
    const data = {
      buildId: this.o.buildId,
      attempt: this.o.attempt,
      seq: this.seq++,
      firstLine: this.chunkFirst,
      lineCount: this.chunk.length,
      content: this.chunk.join("\n"),
    };
    this.chunkFirst += this.chunk.length;
    this.chunk = [];
    this.chunkSize = 0;
    this.pgChain = this.pgChain.then(async () => {
      if (this.pgError) return;
      try {
        // A PostgreSQL restart is waited out (chunks stay in order: this chain). Only on such a
        // second go is the chunk's unique key taken to mean "stored before the connection
        // broke"; on a first go it means another try writes this attempt's log (an error).
        let again = false;
        await whileDatabaseDown(
          () =>
            this.o.db.buildLogChunk.create({ data }).catch((err: unknown) => {
              if (!(again && isUniqueViolation(err))) throw err;
            }),
          { forMs: 120_000, onWait: () => (again = true), ...(this.o.stopWaiting ? { signal: this.o.stopWaiting } : {}) },
        );
      } catch (err) {
        this.pgError = err;
      }
    });
  }

  private flushLive(final = false): Promise<void> {
    const batch = this.live;
    this.live = [];
    this.liveSize = 0;
    const ttl = final ? (this.o.closedStreamTtlSeconds ?? 600) : (this.o.streamTtlSeconds ?? 86_400);
    const maxLen = String(this.o.streamMaxLen ?? 2_000);
    this.liveChain = this.liveChain.then(async () => {
      if (!batch.length && !final) return;
      try {
        const p = this.o.redis.pipeline();
        // MAXLEN ~ lets Redis trim whole stream nodes only (cheap); XLEN may exceed it by up
        // to one node (stream-node-max-entries, 100 by default).
        for (const { n, line } of batch) p.xadd(this.key, "MAXLEN", "~", maxLen, "*", "n", String(n), "l", line);
        // The TTL goes with every write, the first one included: the stream of a worker that
        // died mid-build still expires, and one that outlives the TTL is not cut short. Once
        // closed, it goes soon: followers of an ended attempt read Postgres.
        p.expire(this.key, ttl);
        const failed = (await p.exec())?.find(([err]) => err)?.[0];
        if (failed) throw failed;
      } catch (err) {
        if (!this.redisWarned) {
          this.redisWarned = true;
          this.o.logger.warn(
            { err: (err as Error).message, buildId: this.o.buildId },
            "live log stream unavailable; the log is still stored",
          );
        }
      }
    });
    return this.liveChain;
  }
}
