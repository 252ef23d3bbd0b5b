import { z } from "zod";

/** A repository the farm has heard from, and its settings. */
export const ZRepository = z.object({
  fullName: z.string(),
  githubId: z.string(),
  defaultBranch: z.string().nullable(),
  private: z.boolean(),
  /** a new push to a branch (or pull request) cancels its queued and running builds */
  autoCancel: z.boolean(),
  /** ... on the default branch too */
  autoCancelDefaultBranch: z.boolean(),
  /** a published release tag (1.2.3) never moves to another image */
  immutableTags: z.boolean(),
});
export type TRepository = z.infer<typeof ZRepository>;

/** PATCH /api/v1/repositories/:owner/:name: the settings to change. */
export const ZRepositorySettings = z
  .strictObject({
    autoCancel: z.boolean().optional(),
    autoCancelDefaultBranch: z.boolean().optional(),
    immutableTags: z.boolean().optional(),
  })
  .refine((s) => Object.keys(s).length > 0, "name at least one setting: autoCancel, autoCancelDefaultBranch, immutableTags");
export type TRepositorySettings = z.infer<typeof ZRepositorySettings>;

/** GET /api/v1/repositories */
export const ZRepositoryList = z.object({ repositories: z.array(ZRepository) });
