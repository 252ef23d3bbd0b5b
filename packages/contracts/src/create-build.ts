import { z } from "zod";
import { zGithubFullName } from "./github-names";

/** POST /api/v1/builds: build a branch or tag (its head, or a commit on it) by hand. */
export const ZCreateBuildBody = z.strictObject({
  repository: zGithubFullName,
  /** a branch or tag (short or refs/heads/..., refs/tags/...) @defaultValue the default branch */
  ref: z.string().min(1).max(255).optional(),
  /** a commit on `ref` @defaultValue the ref's head */
  sha: z
    .string()
    .regex(/^[0-9a-f]{40}$/, "must be a 40-character hex commit sha")
    .optional(),
});
export type TCreateBuildBody = z.infer<typeof ZCreateBuildBody>;
