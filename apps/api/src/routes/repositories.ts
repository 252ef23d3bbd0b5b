import type { FastifyInstance } from "fastify";
import { listRepositories, updateRepositorySettings } from "@slipway/builds";
import { ZRepository, ZRepositoryList, ZRepositorySettings } from "@slipway/contracts";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";

const tags = ["repositories"];

/** GET /api/v1/repositories (read) and PATCH /api/v1/repositories/:owner/:name (admin): settings such as auto-cancel. */
export async function registerRepositoryRoutes(server: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/repositories",
    {
      config: { scope: "read" },
      schema: {
        tags,
        summary: "The repositories the farm knows (that this token reaches)",
        response: { 200: ZRepositoryList, ...errorAnswers },
      },
    },
    async (req) => ({ repositories: await listRepositories(deps.db, principalOf(req).repositories) }),
  );

  app.patch(
    "/repositories/:owner/:name",
    {
      config: { scope: "admin" },
      schema: {
        tags,
        summary: "Change a repository's settings",
        params: z.object({ owner: z.string(), name: z.string() }),
        body: ZRepositorySettings,
        response: { 200: ZRepository, ...errorAnswers },
      },
      // No body is an empty one, which the schema then names the missing settings of.
      preValidation: async (req) => {
        req.body ??= {} as typeof req.body;
      },
    },
    async (req) => updateRepositorySettings(deps.db, `${req.params.owner}/${req.params.name}`, principalOf(req).repositories, req.body),
  );
}
