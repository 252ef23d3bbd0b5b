import { once } from "node:events";
import type { FastifyInstance } from "fastify";
import { isTokenLive } from "@slipway/auth";
import { followBuildLog, getBuild, resolveAttempt } from "@slipway/builds";
import { AppError } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { attemptQuery } from "./attempt-query";
import { principalOf } from "./principal-of";
import { StreamSlots } from "./stream-slots";

const HEARTBEAT_MS = 15_000;

/**
 * GET /api/v1/builds/:id/logs/stream[?attempt=N] — the log as Server-Sent Events: `line`
 * events whose id is the line number (a reconnecting EventSource sends Last-Event-ID and
 * resumes after it; `?after=N` does the same by hand), then one `end` event with the
 * attempt's status. Lines trimmed from the live stream before this follower read them come
 * from Postgres; a `gap` event names any not stored yet either (the build printed ~2,000
 * lines within the second before they were stored). SSE framing is a few lines of text, so
 * it is written by hand here.
 */
export async function registerLogStreamRoute(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const slots = new StreamSlots(deps.logStreams?.perToken ?? 20, deps.logStreams?.max ?? 500);
  app.get<{ Params: { id: string }; Querystring: { attempt?: string; after?: string } }>("/builds/:id/logs/stream", {
    config: { scope: "read" },
    // Node sends a HEAD answer's headers only at end(), which a live stream never reaches:
    // a HEAD here hung (holding a Redis connection) until the build ended.
    exposeHeadRoute: false,
  }, async (req, reply) => {
    const principal = principalOf(req);
    const build = await getBuild(deps.db, req.params.id, principal.repositories);
    const attempt = resolveAttempt(build.attempt, attemptQuery(req.query.attempt));
    const afterRaw = (req.headers["last-event-id"] as string | undefined) ?? req.query.after ?? "0";
    const after = Number(afterRaw);
    if (!Number.isInteger(after) || after < 0) throw new AppError("bad_request", "Last-Event-ID / after must be a line number (a whole number >= 0)");

    const release = slots.take(principal.tokenId);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
    res.write("retry: 2000\n\n");
    const ac = new AbortController();
    req.raw.on("close", () => ac.abort());
    res.on("close", () => ac.abort()); // the socket went away: no "drain" will come
    ac.signal.addEventListener("abort", release); // the slot is free once the client is gone
    // XREAD BLOCK holds its connection: one of the follower's own.
    const redis = deps.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
    redis.on("error", () => {});
    const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
    // A stream outlives the request that authorised it: a token revoked (or expired) since
    // then ends it at the next check.
    const recheck = setInterval(() => {
      void isTokenLive(deps.db, principal.tokenId).then((live) => {
        if (live || ac.signal.aborted) return;
        res.write(`event: error\ndata: ${JSON.stringify({ message: "the API token was revoked or has expired" })}\n\n`);
        ac.abort();
      }, () => {});
    }, deps.logStreams?.recheckMs ?? 30_000);
    try {
      // A slow client must not make the api buffer the log: wait for the socket to drain.
      const send = async (text: string) => {
        if (!res.write(text)) await once(res, "drain", { signal: ac.signal });
      };
      for await (const e of followBuildLog({ db: deps.db, redis, buildId: build.id, attempt, after, signal: ac.signal })) {
        if (ac.signal.aborted) break;
        if (e.kind === "line") await send(`event: line\nid: ${e.n}\ndata: ${e.line.replace(/\r/g, "")}\n\n`);
        else if (e.kind === "gap") await send(`event: gap\ndata: ${JSON.stringify({ from: e.from, to: e.to, message: `lines ${e.from}-${e.to} left the live stream before they were stored; GET /api/v1/builds/${build.id}/logs has them` })}\n\n`);
        else await send(`event: end\ndata: ${JSON.stringify({ status: e.status, attempt: e.attempt })}\n\n`);
      }
    } catch (err) {
      if (!ac.signal.aborted) req.log.warn({ err: (err as Error).message, buildId: build.id }, "log stream failed");
      if (!ac.signal.aborted) res.write(`event: error\ndata: ${JSON.stringify({ message: "the log stream failed; reconnect to resume" })}\n\n`);
    } finally {
      release();
      clearInterval(heartbeat);
      clearInterval(recheck);
      redis.disconnect();
      res.end();
    }
  });
}
