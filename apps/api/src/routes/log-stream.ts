import type { FastifyInstance } from "fastify";
import { followBuildLog, getBuild, resolveAttempt } from "@slipway/builds";
import { AppError } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { attemptQuery } from "./attempt-query";
import { openEventStream } from "./open-event-stream";
import { principalOf } from "./principal-of";
import { errorAnswers, ZAttemptQuery, ZIdParams } from "./route-schemas";
import { z } from "zod";
import type { StreamSlots } from "./stream-slots";

/**
 * GET /api/v1/builds/:id/logs/stream[?attempt=N] — the log as Server-Sent Events: `line`
 * events whose id is the line number (a reconnecting EventSource sends Last-Event-ID and
 * resumes after it; `?after=N` does the same by hand), then one `end` event with the
 * attempt's status. Lines trimmed from the live stream before this follower read them come
 * from Postgres; a `gap` event names any not stored yet either (the build printed ~2,000
 * lines within the second before they were stored).
 */
export async function registerLogStreamRoute(app: FastifyInstance, { deps, slots }: { deps: ApiDeps; slots: StreamSlots }): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: { attempt?: string; after?: string } }>(
    "/builds/:id/logs/stream",
    {
      config: { scope: "read" },
      // Node sends a HEAD answer's headers only at end(), which a live stream never reaches:
      // a HEAD here hung (holding a Redis connection) until the build ended.
      exposeHeadRoute: false,
      schema: {
        tags: ["builds"],
        summary: "A build attempt's log, live, as Server-Sent Events (line, gap, end), resumable by Last-Event-ID",
        params: ZIdParams,
        querystring: ZAttemptQuery.extend({
          after: z.string().optional().describe("resume after this line number (as Last-Event-ID does)"),
        }),
        response: { 200: { description: "an event stream", content: { "text/event-stream": { schema: z.string() } } }, ...errorAnswers },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const build = await getBuild(deps.db, req.params.id, principal.repositories);
      const attempt = resolveAttempt(build.attempt, attemptQuery(req.query.attempt));
      const afterRaw = (req.headers["last-event-id"] as string | undefined) ?? req.query.after ?? "0";
      const after = Number(afterRaw);
      if (!Number.isInteger(after) || after < 0)
        throw new AppError("bad_request", "Last-Event-ID / after must be a line number (a whole number >= 0)");

      const stream = openEventStream(req, reply, deps, slots, principal);
      const { signal, send } = stream;
      try {
        for await (const e of followBuildLog({ db: deps.db, redis: stream.redis, buildId: build.id, attempt, after, signal })) {
          if (signal.aborted) break;
          if (e.kind === "line") await send(`event: line\nid: ${e.n}\ndata: ${e.line.replace(/\r/g, "")}\n\n`);
          else if (e.kind === "gap")
            await send(
              `event: gap\ndata: ${JSON.stringify({ from: e.from, to: e.to, message: `lines ${e.from}-${e.to} left the live stream before they were stored; GET /api/v1/builds/${build.id}/logs has them` })}\n\n`,
            );
          else await send(`event: end\ndata: ${JSON.stringify({ status: e.status, attempt: e.attempt })}\n\n`);
        }
      } catch (err) {
        if (!signal.aborted) req.log.warn({ err: (err as Error).message, buildId: build.id }, "log stream failed");
        if (!signal.aborted)
          await send(`event: error\ndata: ${JSON.stringify({ message: "the log stream failed; reconnect to resume" })}\n\n`).catch(
            () => {},
          );
      } finally {
        stream.close();
      }
    },
  );
}
