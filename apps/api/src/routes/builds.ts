import type { FastifyInstance } from "fastify";
import { authenticate } from "@slipway/auth";
import { getBuild, listBuilds } from "@slipway/builds";
import { AppError, ZListBuildsQuery } from "@slipway/contracts";
import type { ApiDeps } from "../deps";

/** /api/v1/builds: read API, behind a bearer token. */
export async function registerBuildRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.addHook("onRequest", async (req) => {
    await authenticate({ db: deps.db, bootstrapToken: deps.bootstrapToken }, req.headers.authorization);
  });

  app.get("/builds", async (req) => {
    const parsed = ZListBuildsQuery.safeParse(req.query);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      throw new AppError("bad_request", `invalid query: ${fields.join("; ")}`, { fields });
    }
    return listBuilds(deps.db, parsed.data);
  });

  app.get<{ Params: { id: string } }>("/builds/:id", async (req) => getBuild(deps.db, req.params.id));
}
