import type { FastifyInstance } from "fastify";
import { receiveDelivery } from "@slipway/ingest";
import { WEBHOOK_BODY_LIMIT, type ApiDeps } from "../deps";

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** POST /webhooks/github: ingest (see @slipway/ingest). Bodies stay raw: the signature covers the bytes. */
export async function registerWebhookRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.post("/webhooks/github", { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await receiveDelivery(
      { db: deps.db, verifier: deps.verifier },
      {
        event: header(req.headers["x-github-event"]),
        deliveryId: header(req.headers["x-github-delivery"]),
        hookId: header(req.headers["x-github-hook-id"]),
        signature256: header(req.headers["x-hub-signature-256"]),
        contentType: header(req.headers["content-type"]),
        body,
      },
    );
    if (result.queuedNew) deps.onBuildStored();
    req.log.info({ deliveryId: result.body.deliveryId, outcome: result.body.outcome, buildId: result.body.buildId, duplicate: result.body.duplicate }, "webhook delivery stored");
    return reply.status(result.status).send(result.body);
  });
}
