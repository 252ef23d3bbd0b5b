import { answerTokenRequest } from "@slipway/registry-auth";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ZApiError } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { errorAnswers } from "./route-schemas";

// Docker's token protocol: the answer registries and BuildKit read, and its error shape.
const ZRegistryToken = z.object({ token: z.string(), access_token: z.string(), expires_in: z.number(), issued_at: z.string() });
const ZRegistryErrors = z.object({ errors: z.array(z.object({ code: z.string(), message: z.string() })) });

/**
 * GET /registry/token — the internal registry's token realm (Docker's token protocol). Not an
 * /api/v1 route: registries and BuildKit call it with Basic credentials the farm made.
 */
export async function registerRegistryTokenRoute(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const auth = deps.registryAuth;
  if (!auth) return;
  app.get(
    "/registry/token",
    {
      schema: {
        tags: ["internal"],
        summary: "The internal registry's token realm (Docker token protocol, Basic credentials the farm made)",
        security: [],
        // The realm's own refusals are Docker's shape; anything the framework refuses is the api's.
        response: {
          200: ZRegistryToken,
          400: z.union([ZRegistryErrors, ZApiError]),
          401: z.union([ZRegistryErrors, ZApiError]),
          ...errorAnswers,
        },
      },
    },
    async (req, reply) => {
      const url = new URL(req.url, "http://api");
      const answer = await answerTokenRequest(auth.signer, auth.secret, {
        authorization: req.headers.authorization,
        service: url.searchParams.get("service"),
        scopes: url.searchParams.getAll("scope"),
      });
      return reply.status(answer.status).header("cache-control", "no-store").send(answer.body);
    },
  );
}
