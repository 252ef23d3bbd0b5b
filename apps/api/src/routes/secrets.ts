import type { FastifyInstance } from "fastify";
import { AppError, ZBuildSecret, ZBuildSecretList, ZPutSecretBody } from "@slipway/contracts";
import { deleteBuildSecret, listBuildSecrets, putBuildSecret, type SecretStore } from "@slipway/secrets";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";

const admin = { scope: "admin" } as const;
const tags = ["secrets"];
const ZNameParams = z.object({ name: z.string().describe("the secret's name, as Dockerfiles mount it (RUN --mount=type=secret,id=NAME)") });

/** /api/v1/secrets: build secrets. Values go in (PUT) and never come out of the API. */
export async function registerSecretRoutes(server: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const store = (): SecretStore => {
    if (!deps.secrets)
      throw new AppError(
        "unavailable",
        "build secrets are off: this api has no SLIPWAY_SECRET_KEY (32 bytes as 64 hex digits; the workers need the same key)",
      );
    return deps.secrets;
  };

  app.put(
    "/secrets/:name",
    {
      config: admin,
      schema: {
        tags,
        summary: "Store a build secret (its value never comes out of the API)",
        params: ZNameParams,
        body: ZPutSecretBody,
        response: { 200: ZBuildSecret, ...errorAnswers },
      },
    },
    async (req) => {
      const secrets = store();
      return putBuildSecret(secrets, principalOf(req).repositories, req.params.name, req.body);
    },
  );

  app.get(
    "/secrets",
    {
      config: admin,
      schema: {
        tags,
        summary: "List build secrets (names and repositories, never values)",
        response: { 200: ZBuildSecretList, ...errorAnswers },
      },
    },
    async (req) => listBuildSecrets(store(), principalOf(req).repositories),
  );

  app.delete(
    "/secrets/:name",
    {
      config: admin,
      schema: {
        tags,
        summary: "Delete a build secret",
        params: ZNameParams,
        response: { 204: z.null().describe("deleted"), ...errorAnswers },
      },
    },
    async (req, reply) => {
      await deleteBuildSecret(store(), principalOf(req).repositories, req.params.name);
      return reply.status(204).send(null);
    },
  );
}
