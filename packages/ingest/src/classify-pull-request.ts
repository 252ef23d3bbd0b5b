import { AppError, PULL_REQUEST_BUILD_ACTIONS, ZGithubPullRequestPayload, type TGithubPullRequestPayload } from "@slipway/contracts";
import type { BuildSpec } from "./build-spec";

/**
 * SLIPWAY_FORK_PULL_REQUESTS: which pull requests from forks build. A fork's author need not
 * have any access to the repository, so on a public repository "all" lets anyone on GitHub run
 * code on the farm's build hosts (walled off as every build is, without secrets or publish).
 * - "members": authors GitHub calls OWNER, MEMBER or COLLABORATOR (the default);
 * - "all": every fork;
 * - "none": no fork.
 * Pull requests from branches of the repository itself always build: their authors can push.
 */
export type ForkPolicy = "all" | "members" | "none";
const MEMBERS = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);

export type PullRequestDecision =
  { kind: "build"; pr: TGithubPullRequestPayload; build: BuildSpec } | { kind: "ignore"; pr: TGithubPullRequestPayload; reason: string };

/** Validates a pull_request payload (422 naming the missing fields) and decides whether it builds. */
export function classifyPullRequest(payload: unknown, forks: ForkPolicy): PullRequestDecision {
  const parsed = ZGithubPullRequestPayload.safeParse(payload);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`);
    throw new AppError("unprocessable", `pull_request payload is missing what a build needs: ${fields.join("; ")}`, { fields });
  }
  const pr = parsed.data;
  const n = pr.number;
  if (!(PULL_REQUEST_BUILD_ACTIONS as readonly string[]).includes(pr.action)) {
    return {
      kind: "ignore",
      pr,
      reason: `pull_request action "${pr.action}" does not build (${PULL_REQUEST_BUILD_ACTIONS.join(", ")} do)`,
    };
  }
  const head = pr.pull_request.head;
  // A fork is any head outside the base repository, decided by GitHub id; a deleted fork
  // (head.repo null) is a fork too. The `fork` flag of the head repository is not consulted.
  const fromFork = head.repo === null || head.repo.id !== pr.repository.id;
  if (fromFork) {
    const association = pr.pull_request.author_association ?? "NONE";
    if (forks === "none")
      return { kind: "ignore", pr, reason: `pull request #${n} is from a fork; SLIPWAY_FORK_PULL_REQUESTS=none builds no fork` };
    if (forks === "members" && !MEMBERS.has(association)) {
      return {
        kind: "ignore",
        pr,
        reason: `pull request #${n} is from a fork by an author GitHub calls ${association}; SLIPWAY_FORK_PULL_REQUESTS=members builds forks of owners, members and collaborators only`,
      };
    }
  }
  return {
    kind: "build",
    pr,
    build: {
      trigger: "pull_request",
      ref: `refs/pull/${n}/head`,
      refType: "pull_request",
      refName: head.ref,
      sha: head.sha,
      beforeSha: pr.action === "synchronize" ? (pr.before ?? null) : null,
      pusher: pr.sender?.login ?? pr.pull_request.user?.login ?? null,
      commitMessage: pr.pull_request.title ?? null,
      pullRequest: n,
      baseRef: pr.pull_request.base.ref,
      headRepository: head.repo?.full_name ?? null,
      fromFork,
    },
  };
}
