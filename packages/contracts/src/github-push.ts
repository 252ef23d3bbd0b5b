import { z } from "zod";

const zSha = z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-character hex commit sha");

/**
 * The part of GitHub's `push` webhook payload that a build needs. Extra fields pass through
 * untouched (the full payload is stored with the delivery).
 */
export const ZGithubPushPayload = z.object({
  ref: z.string().min(1),
  before: zSha,
  after: zSha,
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  repository: z.object({
    id: z.number().int().positive(),
    name: z.string().min(1),
    full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name"),
    owner: z.object({ login: z.string().optional(), name: z.string().nullish() }).loose(),
    private: z.boolean().optional(),
    html_url: z.string().optional(),
    clone_url: z.string().min(1),
    default_branch: z.string().optional(),
    master_branch: z.string().optional(),
  }).loose(),
  pusher: z.object({ name: z.string().optional(), email: z.string().nullish() }).loose().optional(),
  sender: z.object({ login: z.string() }).loose().optional(),
  head_commit: z.object({ id: z.string(), message: z.string() }).loose().nullish(),
}).loose();
export type TGithubPushPayload = z.infer<typeof ZGithubPushPayload>;

export const ZERO_SHA = "0000000000000000000000000000000000000000";
