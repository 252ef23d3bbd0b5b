import { answerTokenRequest } from "@slipway/registry-auth";
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../deps";

/**
 * GET /registry/token — the internal registry's token realm (Docker's token protocol). Not an
 * /api/v1 route: registries and BuildKit call it with Basic credentials the farm made.
 */
export async function registerRegistryTokenRoute(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const auth = deps.registryAuth;
  if (!auth) return;
  app.get("/registry/token", {
    schema: { tags: ["internal"], summary: "The internal registry's token realm (Docker token protocol, Basic credentials the farm made)", security: [] },
  }, async (req, reply) => {
    const url = new URL(req.url, "http://api");
    const answer = await answerTokenRequest(auth.signer, auth.secret, {
      authorization: req.headers.authorization,
      service: url.searchParams.get("service"),
      scopes: url.searchParams.getAll("scope"),
    });
    return reply.status(answer.status).header("cache-control", "no-store").send(answer.body);
  });
}
