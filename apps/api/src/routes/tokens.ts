import type { FastifyInstance } from "fastify";
import { grantApiToken, listApiTokens, revokeApiToken } from "@slipway/auth";
import { ZApiToken, ZApiTokenList, ZCreatedApiToken, ZCreateTokenBody } from "@slipway/contracts";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";

const admin = { scope: "admin" } as const;
const tags = ["tokens"];

/** /api/v1/tokens: create (the secret is in this one answer only), list, revoke. */
export async function registerTokenRoutes(server: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.post(
    "/tokens",
    {
      config: admin,
      schema: {
        tags,
        summary: "Create an API token (its secret is in this answer only)",
        body: ZCreateTokenBody,
        response: { 201: ZCreatedApiToken, ...errorAnswers },
      },
    },
    async (req, reply) => {
      const created = await grantApiToken(deps.db, principalOf(req), req.body);
      // The secret must not linger in caches between here and the client.
      return reply.status(201).header("cache-control", "no-store").send(created);
    },
  );

  app.get(
    "/tokens",
    {
      config: admin,
      schema: { tags, summary: "List API tokens (never their secrets)", response: { 200: ZApiTokenList, ...errorAnswers } },
    },
    async (req) => listApiTokens(deps.db, principalOf(req).repositories),
  );

  app.delete(
    "/tokens/:id",
    {
      config: admin,
      schema: { tags, summary: "Revoke an API token", params: z.object({ id: z.string() }), response: { 200: ZApiToken, ...errorAnswers } },
    },
    async (req) => revokeApiToken(deps.db, req.params.id, principalOf(req).repositories),
  );
}
