import type { FastifyInstance } from "fastify";
import { matchRepository, AppError, ZBuild, ZCreateBuildBody } from "@slipway/contracts";
import { createManualBuild, equalsIgnoringCase } from "@slipway/builds";
import { resolveRemoteRef } from "@slipway/git";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ApiDeps } from "../deps";
import { principalOf } from "./principal-of";
import { errorAnswers } from "./route-schemas";

/**
 * POST /api/v1/builds {repository, ref?, sha?} (scope write): builds a branch or tag by hand,
 * as a push would. The ref is resolved on the git host (ls-remote, with the farm's GitHub
 * token for a private repository), so a ref that does not exist is refused here, and a build's
 * type (branch or tag) and commit are what the host says; a given sha must be on the ref
 * (the worker checks it, as for every build).
 */
export async function registerManualBuildRoute(server: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.post(
    "/builds",
    {
      config: { scope: "write" },
      schema: {
        tags: ["builds"],
        summary: "Build a branch or tag by hand (default: the default branch)",
        body: ZCreateBuildBody,
        response: { 202: ZBuild, ...errorAnswers },
      },
      // No body is an empty one, which the schema then names the missing repository of.
      preValidation: async (req) => {
        req.body ??= {} as typeof req.body;
      },
    },
    async (req, reply) => {
      const git = deps.git;
      if (!git) throw new AppError("unavailable", "this api cannot reach the git host (SLIPWAY_GIT_BASE_URL)");
      const principal = principalOf(req);
      const body = req.body;
      const repo = await deps.db.repository.findFirst({
        where: { fullName: equalsIgnoringCase(body.repository) },
        select: { id: true, fullName: true, defaultBranch: true },
      });
      if (
        !repo ||
        repo.fullName.toLowerCase() !== body.repository.toLowerCase() ||
        !matchRepository(principal.repositories, repo.fullName)
      ) {
        throw new AppError(
          "not_found",
          `repository ${body.repository} not found (the farm knows a repository once GitHub has sent a delivery for it)`,
        );
      }
      const ref = body.ref ?? repo.defaultBranch;
      if (!ref) throw new AppError("unprocessable", `repository ${repo.fullName} has no known default branch: name a ref`);
      const token = await git.token?.(repo.fullName).catch((err: unknown) => {
        throw new AppError("unavailable", `could not get a GitHub token for ${repo.fullName}: ${(err as Error).message}`);
      });
      const found = await resolveRemoteRef({
        url: `${git.baseUrl.replace(/\/+$/, "")}/${repo.fullName}.git`,
        gitBaseUrl: git.baseUrl,
        protocols: git.protocols,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        ref,
        ...(token ? { token } : {}),
      });
      if (found.kind === "unreachable")
        throw new AppError("unavailable", `the git host did not answer for ${repo.fullName}: ${found.message}`);
      if (found.kind === "not_found") throw new AppError("unprocessable", `${repo.fullName} has no branch or tag ${JSON.stringify(ref)}`);
      const build = await createManualBuild(
        deps.db,
        {
          repositoryId: repo.id,
          ref: found.ref,
          refType: found.refType,
          refName: found.refName,
          sha: body.sha ?? found.sha,
          requestedBy: `token:${principal.name}`,
        },
        { reportToGithub: deps.reportToGithub ?? false },
      );
      deps.onBuildStored();
      deps.events?.emit({
        type: "build.queued",
        buildId: build.id,
        repository: build.repository,
        attempt: 1,
        trigger: "manual",
        ref: build.ref,
        sha: build.sha,
      });
      return reply.status(202).send(build);
    },
  );
}
