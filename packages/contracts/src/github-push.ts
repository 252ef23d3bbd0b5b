import { z } from "zod";
import { GITHUB_OWNER, GITHUB_REPO, zGithubFullName, zGithubId } from "./github-names";

export const zSha = z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-character hex commit sha");
/** A branch name as git allows it (check-ref-format, in short): no control characters, spaces,
 * `..`, `~^:?*[\\`, no leading `-` or `/`. */
export const zBranchName = z
  .string()
  .max(255)
  .regex(/^(?!-|\/)(?!.*\.\.)(?!.*\/\/)[^\x00-\x20\x7f~^:?*[\\]+$/, "must be a valid git branch name");

/** The `repository` object of a webhook payload: id, owner/name, default branch. */
export const zGithubRepository = z
  .object({
    id: zGithubId,
    name: z.string().regex(GITHUB_REPO, "must be a GitHub repository name (letters, digits, . _ -)"),
    full_name: zGithubFullName,
    owner: z.object({ login: z.string().regex(GITHUB_OWNER, "must be a GitHub account name").optional(), name: z.string().nullish() }),
    private: z.boolean().optional(),
    default_branch: zBranchName.optional(),
    master_branch: zBranchName.optional(),
  })
  .refine((r) => r.full_name.split("/")[1] === r.name, { message: "name must be the repository part of full_name", path: ["name"] });
export type TGithubRepository = z.infer<typeof zGithubRepository>;

/**
 * The part of GitHub's `push` webhook payload that a build needs. Other fields are left out of
 * the parsed value, not checked or copied (a payload is ~7 KB; the full payload is stored with
 * the delivery as GitHub sent it). A payload is a claim, not an
 * instruction: only the repository id, owner/name, ref and commits are used, each checked
 * against its grammar; URLs in it (clone_url, html_url, ...) are never used — the farm
 * derives where to fetch from its own configuration (SLIPWAY_GIT_BASE_URL).
 */
export const ZGithubPushPayload = z.object({
  ref: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^refs\/(?!.*\.\.)[^\x00-\x20\x7f~^:?*[\\]+$/, "must be a git ref (refs/...)"),
  before: zSha,
  after: zSha,
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  repository: zGithubRepository,
  pusher: z.object({ name: z.string().optional(), email: z.string().nullish() }).optional(),
  sender: z.object({ login: z.string() }).optional(),
  head_commit: z.object({ id: z.string(), message: z.string() }).nullish(),
});
export type TGithubPushPayload = z.infer<typeof ZGithubPushPayload>;

export const ZERO_SHA = "0000000000000000000000000000000000000000";
