import type { FastifyInstance } from "fastify";
import { listRepositories, updateRepositorySettings } from "@slipway/builds";
import { parseInput, ZRepositorySettings } from "@slipway/contracts";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";

/** GET /api/v1/repositories (read) and PATCH /api/v1/repositories/:owner/:name (admin): settings such as auto-cancel. */
export async function registerRepositoryRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get("/repositories", { config: { scope: "read" } }, async (req) => ({ repositories: await listRepositories(deps.db, principalOf(req).repositories) }));

  app.patch<{ Params: { owner: string; name: string } }>("/repositories/:owner/:name", { config: { scope: "admin" } }, async (req) =>
    updateRepositorySettings(deps.db, `${req.params.owner}/${req.params.name}`, principalOf(req).repositories, parseInput(ZRepositorySettings, req.body ?? {}, "body")),
  );
}
