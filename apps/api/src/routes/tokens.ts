import type { FastifyInstance } from "fastify";
import { grantApiToken, listApiTokens, revokeApiToken } from "@slipway/auth";
import { parseInput, ZCreateTokenBody } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";

const admin = { config: { scope: "admin" } } as const;

/** /api/v1/tokens: create (the secret is in this one answer only), list, revoke. */
export async function registerTokenRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.post("/tokens", admin, async (req, reply) => {
    const created = await grantApiToken(deps.db, principalOf(req), parseInput(ZCreateTokenBody, req.body, "body"));
    // The secret must not linger in caches between here and the client.
    return reply.status(201).header("cache-control", "no-store").send(created);
  });

  app.get("/tokens", admin, async (req) => listApiTokens(deps.db, principalOf(req).repositories));

  app.delete<{ Params: { id: string } }>("/tokens/:id", admin, async (req) => revokeApiToken(deps.db, req.params.id, principalOf(req).repositories));
}
