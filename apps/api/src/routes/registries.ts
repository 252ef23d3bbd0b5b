import type { FastifyInstance } from "fastify";
import { AppError, ZRegistryCredential, ZRegistryCredentialBody, ZRegistryCredentialList } from "@slipway/contracts";
import { deleteRegistryCredential, listRegistryCredentials, putRegistryCredential } from "@slipway/registry-credentials";
import type { SecretStore } from "@slipway/secrets";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";

const admin = { scope: "admin" } as const;
const tags = ["registries"];
const ZHostParams = z.object({ host: z.string().describe("a registry host, e.g. ghcr.io") });

/**
 * /api/v1/registries: publish targets' credentials (see @slipway/registry-credentials). No
 * answer carries a password, and none may be cached on the way (cache-control: no-store).
 */
export async function registerRegistryRoutes(server: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const store = (): SecretStore => {
    if (!deps.secrets)
      throw new AppError(
        "unavailable",
        "registry credentials cannot be stored or read: the api has no SLIPWAY_SECRET_KEY (64 hex digits: openssl rand -hex 32); set it on the api and the publisher",
      );
    return deps.secrets;
  };
  app.addHook("onSend", async (_req, reply) => {
    void reply.header("cache-control", "no-store");
  });

  app.put(
    "/registries/:host",
    {
      // A well-formed body with bad fields answers 422 here (a later route than the 400 ones).
      config: { ...admin, badInput: "unprocessable" },
      schema: {
        tags,
        summary: "Store the credential a registry host is published with",
        params: ZHostParams,
        body: ZRegistryCredentialBody,
        response: { 200: ZRegistryCredential, ...errorAnswers },
      },
    },
    async (req) => putRegistryCredential(store(), principalOf(req), req.params.host, req.body),
  );

  app.get(
    "/registries",
    {
      config: admin,
      schema: {
        tags,
        summary: "List registry credentials (never their passwords)",
        response: { 200: ZRegistryCredentialList, ...errorAnswers },
      },
    },
    async (req) => listRegistryCredentials(store(), principalOf(req).repositories),
  );

  app.delete(
    "/registries/:host",
    {
      config: admin,
      schema: {
        tags,
        summary: "Delete a registry credential",
        params: ZHostParams,
        response: { 200: ZRegistryCredential, ...errorAnswers },
      },
    },
    async (req) => deleteRegistryCredential(store(), req.params.host, principalOf(req).repositories),
  );
}
