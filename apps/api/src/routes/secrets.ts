import type { FastifyInstance } from "fastify";
import { AppError, parseInput, ZPutSecretBody } from "@slipway/contracts";
import { deleteBuildSecret, listBuildSecrets, putBuildSecret, type SecretStore } from "@slipway/secrets";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";

const admin = { config: { scope: "admin" } } as const;

/** /api/v1/secrets: build secrets. Values go in (PUT) and never come out of the API. */
export async function registerSecretRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const store = (): SecretStore => {
    if (!deps.secrets) throw new AppError("unavailable", "build secrets are off: this api has no SLIPWAY_SECRET_KEY (32 bytes as 64 hex digits; the workers need the same key)");
    return deps.secrets;
  };

  app.put<{ Params: { name: string } }>("/secrets/:name", admin, async (req) => {
    const secrets = store();
    return putBuildSecret(secrets, principalOf(req).repositories, req.params.name, parseInput(ZPutSecretBody, req.body, "body"));
  });

  app.get("/secrets", admin, async (req) => listBuildSecrets(store(), principalOf(req).repositories));

  app.delete<{ Params: { name: string } }>("/secrets/:name", admin, async (req, reply) => {
    await deleteBuildSecret(store(), principalOf(req).repositories, req.params.name);
    return reply.status(204).send();
  });
}
