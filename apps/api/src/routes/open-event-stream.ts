import { once } from "node:events";
import { isTokenLive, type Principal } from "@slipway/auth";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { ApiDeps } from "../deps";
import type { StreamSlots } from "./stream-slots";

const HEARTBEAT_MS = 15_000;

export interface EventStream {
  /** writes SSE text, waiting for the socket to drain (a slow client never makes the api buffer) */
  send: (text: string) => Promise<void>;
  /** aborted when the client leaves or the token stops being usable */
  signal: AbortSignal;
  /** a Redis connection of this stream's own (XREAD BLOCK holds it) */
  redis: Redis;
  /** ends the response and frees everything (once) */
  close: () => void;
}

/**
 * Turns the request into a Server-Sent Events response: takes one of the token's stream slots
 * (429 when none is left), heartbeats, a Redis connection of its own, and a periodic re-check
 * of the token, since a stream outlives the request that authorised it. SSE framing is a few
 * lines of text, so it is written by hand.
 */
export function openEventStream(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
  slots: StreamSlots,
  principal: Principal,
): EventStream {
  const release = slots.take(principal.tokenId);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 2000\n\n");
  const ac = new AbortController();
  req.raw.on("close", () => ac.abort());
  res.on("close", () => ac.abort()); // the socket went away: no "drain" will come
  ac.signal.addEventListener("abort", release); // the slot is free once the client is gone
  const redis = deps.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  redis.on("error", () => {});
  const heartbeat = setInterval(() => res.write(": ping\n\n"), HEARTBEAT_MS);
  const recheck = setInterval(() => {
    void isTokenLive(deps.db, principal.tokenId).then(
      (live) => {
        if (live || ac.signal.aborted) return;
        res.write(`event: error\ndata: ${JSON.stringify({ message: "the API token was revoked or has expired" })}\n\n`);
        ac.abort();
      },
      () => {},
    );
  }, deps.logStreams?.recheckMs ?? 30_000);
  let closed = false;
  return {
    signal: ac.signal,
    redis,
    send: async (text) => {
      if (!res.write(text)) await once(res, "drain", { signal: ac.signal });
    },
    close: () => {
      if (closed) return;
      closed = true;
      release();
      clearInterval(heartbeat);
      clearInterval(recheck);
      redis.disconnect();
      res.end();
    },
  };
}
