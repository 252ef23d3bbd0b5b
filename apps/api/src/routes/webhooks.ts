import { AppError, ZWebhookAccepted } from "@slipway/contracts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DeliveryStore, receiveDelivery } from "@slipway/ingest";
import { WEBHOOK_BODY_LIMIT, type ApiDeps } from "../deps";
import { announceCancel } from "./announce-cancel";
import { errorAnswers } from "./route-schemas";

const LARGE_BODY = 1024 * 1024;
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** POST /webhooks/github: ingest (see @slipway/ingest). Bodies stay raw: the signature covers the bytes. */
export async function registerWebhookRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  // Bodies over 1 MiB are held whole in memory until verified: bound how many at once. The
  // check runs before the body is read, so a refused request costs nothing (503 + Retry-After;
  // nothing was stored). GitHub does not retry by itself: such a delivery must be redelivered
  // (GitHub's UI or API), so the limit is for floods, not for normal traffic.
  const maxLarge = deps.maxLargeWebhookBodies ?? 4;
  let large = 0;
  // Deliveries are stored by group commit. Every delivery from its first byte to its answer
  // counts against SLIPWAY_INGEST_MAX_PENDING (how many) and SLIPWAY_INGEST_MAX_PENDING_BYTES
  // (their declared sizes: what they hold in memory); past either, a new one is refused before
  // its body is read (503 + Retry-After, nothing stored) instead of waiting for a database
  // connection and failing after the fact.
  const store = new DeliveryStore(deps.db, app.log);
  const maxPending = deps.ingestMaxPending ?? 2000;
  const maxPendingBytes = deps.ingestMaxPendingBytes ?? 256 * 1024 * 1024;
  let pending = 0;
  let pendingBytes = 0;
  const onRequest = async (req: FastifyRequest, reply: FastifyReply) => {
    const length = Number(req.headers["content-length"] ?? Number.NaN);
    const bytes = Number.isFinite(length) ? length : WEBHOOK_BODY_LIMIT;
    if (pending >= maxPending || pendingBytes + bytes > maxPendingBytes) {
      void reply.header("retry-after", "1");
      throw new AppError(
        "unavailable",
        "too many webhook deliveries waiting to be stored (SLIPWAY_INGEST_MAX_PENDING / SLIPWAY_INGEST_MAX_PENDING_BYTES); retry later",
      );
    }
    pending++;
    pendingBytes += bytes;
    reply.raw.once("close", () => {
      pending--;
      pendingBytes -= bytes;
    });
    if (Number.isFinite(length) && length <= LARGE_BODY) return;
    if (large >= maxLarge) {
      void reply.header("retry-after", "5");
      throw new AppError(
        "unavailable",
        `too many large webhook deliveries at once (${maxLarge}, SLIPWAY_WEBHOOK_LARGE_BODIES); retry later`,
      );
    }
    large++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        large--;
      }
    };
    reply.raw.once("close", release);
  };

  app.post(
    "/webhooks/github",
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      onRequest,
      schema: {
        tags: ["webhooks"],
        summary: "GitHub deliveries (push, pull_request, ping), signed with the webhook secret",
        security: [],
        response: {
          200: ZWebhookAccepted.describe("a ping, stored"),
          202: ZWebhookAccepted.describe("stored: a build queued, or ignored with the reason"),
          ...errorAnswers,
        },
      },
    },
    async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const result = await receiveDelivery(
        {
          store,
          verifier: deps.verifier,
          allowList: deps.allowList,
          acceptRenames: deps.acceptRenames ?? false,
          forkPullRequests: deps.forkPullRequests ?? "members",
          reportToGithub: deps.reportToGithub ?? false,
        },
        {
          event: header(req.headers["x-github-event"]),
          deliveryId: header(req.headers["x-github-delivery"]),
          hookId: header(req.headers["x-github-hook-id"]),
          signature256: header(req.headers["x-hub-signature-256"]),
          contentType: header(req.headers["content-type"]),
          body,
        },
      );
      // Any build this delivery stored, queued or stored already superseded: outbox rows wait.
      if (result.body.outcome === "build_queued" && !result.body.duplicate) deps.onBuildStored();
      if (result.queued) {
        const q = result.queued;
        deps.events?.emit({ type: "build.queued", attempt: 1, ...q });
        for (const { id, attempt } of result.superseded)
          await announceCancel(deps, req.log, {
            buildId: id,
            repository: q.repository,
            attempt,
            reason: `superseded by build ${q.buildId}`,
          });
        if (result.superseded.length)
          req.log.info({ buildId: q.buildId, superseded: result.superseded.map((s) => s.id) }, "superseded builds cancelled");
      }
      req.log.info(
        {
          deliveryId: result.body.deliveryId,
          outcome: result.body.outcome,
          buildId: result.body.buildId,
          duplicate: result.body.duplicate,
        },
        "webhook delivery stored",
      );
      return reply.status(result.status).send(result.body);
    },
  );
}
