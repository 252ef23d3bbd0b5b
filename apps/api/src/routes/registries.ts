import type { FastifyInstance } from "fastify";
import { AppError, parseInput, ZRegistryCredentialBody } from "@slipway/contracts";
import { deleteRegistryCredential, listRegistryCredentials, putRegistryCredential } from "@slipway/registry-credentials";
import type { SecretStore } from "@slipway/secrets";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";

const admin = { config: { scope: "admin" } } as const;

/**
 * /api/v1/registries: publish targets' credentials (see @slipway/registry-credentials). No
 * answer carries a password, and none may be cached on the way (cache-control: no-store).
 */
export async function registerRegistryRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const store = (): SecretStore => {
    if (!deps.secrets) throw new AppError("unavailable", "registry credentials cannot be stored or read: the api has no SLIPWAY_SECRET_KEY (64 hex digits: openssl rand -hex 32); set it on the api and the publisher");
    return deps.secrets;
  };
  app.addHook("onSend", async (_req, reply) => {
    void reply.header("cache-control", "no-store");
  });

  app.put<{ Params: { host: string } }>("/registries/:host", admin, async (req) =>
    putRegistryCredential(store(), principalOf(req), req.params.host, parseInput(ZRegistryCredentialBody, req.body, "body", "unprocessable")),
  );

  app.get("/registries", admin, async (req) => listRegistryCredentials(store(), principalOf(req).repositories));

  app.delete<{ Params: { host: string } }>("/registries/:host", admin, async (req) => deleteRegistryCredential(store(), req.params.host, principalOf(req).repositories));
}
