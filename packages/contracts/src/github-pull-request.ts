import { z } from "zod";
import { zGithubFullName, zGithubId, zPullRequestNumber } from "./github-names";
import { zBranchName, zGithubRepository, zSha } from "./github-push";

/** Actions of `pull_request` that change what the head commit is, and so build it. */
export const PULL_REQUEST_BUILD_ACTIONS = ["opened", "synchronize", "reopened"] as const;

/**
 * The part of GitHub's `pull_request` webhook payload that a build needs. `repository` is the
 * base repository (the one the farm builds and whose webhook sent this); the head may be in a
 * fork, or gone (`head.repo` null when the fork was deleted). As with pushes, every URL in the
 * payload is ignored: the head commit is fetched from the base repository's
 * refs/pull/<number>/head, which GitHub keeps for every pull request, fork or not.
 */
export const ZGithubPullRequestPayload = z
  .object({
    action: z.string().max(64),
    number: zPullRequestNumber,
    before: zSha.optional(),
    repository: zGithubRepository,
    pull_request: z.object({
      number: zPullRequestNumber,
      title: z.string().nullish(),
      user: z.object({ login: z.string() }).nullish(),
      /** OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, NONE */
      author_association: z.string().max(64).optional(),
      head: z.object({
        sha: zSha,
        ref: zBranchName,
        repo: z.object({ id: zGithubId, full_name: zGithubFullName }).nullable(),
      }),
      base: z.object({
        ref: zBranchName,
        repo: z.object({ id: zGithubId }),
      }),
    }),
    sender: z.object({ login: z.string() }).optional(),
  })
  .refine((p) => p.pull_request.number === p.number, { message: "must equal number", path: ["pull_request", "number"] })
  .refine((p) => p.pull_request.base.repo.id === p.repository.id, {
    message: "must be the repository the event is for",
    path: ["pull_request", "base", "repo", "id"],
  });
export type TGithubPullRequestPayload = z.infer<typeof ZGithubPullRequestPayload>;
