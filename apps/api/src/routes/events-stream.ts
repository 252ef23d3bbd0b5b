import type { FastifyInstance } from "fastify";
import { matchRepository, AppError } from "@slipway/contracts";
import { EventBus } from "@slipway/events";
import type { ApiDeps } from "../deps";
import { openEventStream } from "./open-event-stream";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";
import { z } from "zod";
import type { StreamSlots } from "./stream-slots";

/**
 * GET /api/v1/events[?after=<id>] — what happens to builds, as Server-Sent Events named by
 * type (build.queued, build.started, build.step, build.finished, build.published), each with
 * an id: a reconnecting EventSource sends Last-Event-ID and resumes after it. Without one,
 * only new events. A token sees the events of the repositories it reaches, nothing else.
 */
export async function registerEventsRoute(app: FastifyInstance, { deps, slots }: { deps: ApiDeps; slots: StreamSlots }): Promise<void> {
  app.get<{ Querystring: { after?: string } }>(
    "/events",
    {
      config: { scope: "read" },
      exposeHeadRoute: false,
      schema: {
        tags: ["farm"],
        summary:
          "Build events as Server-Sent Events (build.queued, build.started, build.step, build.finished, build.published), resumable by Last-Event-ID",
        querystring: z.object({ after: z.string().optional().describe("resume after this event id (as Last-Event-ID does)") }),
        response: { 200: { description: "an event stream", content: { "text/event-stream": { schema: z.string() } } }, ...errorAnswers },
      },
    },
    async (req, reply) => {
      const events = deps.events;
      if (!events) throw new AppError("unavailable", "this api has no event stream");
      const principal = principalOf(req);
      const after = (req.headers["last-event-id"] as string | undefined) ?? req.query.after ?? "$";
      if (after !== "$" && !/^\d{1,20}-\d{1,20}$/.test(after))
        throw new AppError("bad_request", "Last-Event-ID / after must be an event id (e.g. 1764340000000-0)");

      const stream = openEventStream(req, reply, deps, slots, principal);
      const { signal, send } = stream;
      try {
        for await (const e of EventBus.follow(stream.redis, events.key, after, signal)) {
          if (signal.aborted) break;
          if (!matchRepository(principal.repositories, e.repository)) continue;
          await send(`event: ${e.type}\nid: ${e.id}\ndata: ${JSON.stringify(e)}\n\n`);
        }
      } catch (err) {
        if (!signal.aborted) req.log.warn({ err: (err as Error).message }, "event stream failed");
        if (!signal.aborted)
          await send(`event: error\ndata: ${JSON.stringify({ message: "the event stream failed; reconnect to resume" })}\n\n`).catch(
            () => {},
          );
      } finally {
        stream.close();
      }
    },
  );
}
