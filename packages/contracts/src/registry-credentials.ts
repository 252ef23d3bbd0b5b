import { z } from "zod";
import { ZRepositoryPattern } from "./api-tokens";

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** PUT /api/v1/registries/:host: a publish target's credential and who may publish with it. */
export const ZRegistryCredentialBody = z.strictObject({
  // Basic auth joins user and password with ":" (RFC 7617): a user name cannot hold one.
  username: z
    .string({ error: "is required: the registry user name (GHCR: your GitHub user; Docker Hub: your Docker ID)" })
    .min(1, "must not be empty")
    .max(255, "must be at most 255 characters")
    .regex(/^[^\p{Cc}:]+$/u, 'must not contain ":" or control characters'),
  password: z
    .string({ error: "is required: the password or access token (GHCR: a PAT with write:packages; Docker Hub: an access token)" })
    .min(1, "must not be empty")
    .max(4096, "must be at most 4096 characters")
    .regex(/^[^\p{Cc}]+$/u, "must not contain control characters (a line break pasted with it?)"),
  // Required: a credential publishes only for the repositories named here, never for "any".
  repositories: z
    .array(ZRepositoryPattern, {
      error: 'is required: the GitHub repositories that may publish with this credential, e.g. ["acme/*", "other/app"]',
    })
    .min(1, "needs at least one owner/* or owner/repo pattern")
    .max(100, "at most 100 patterns")
    .transform(unique),
});
export type TRegistryCredentialBody = z.infer<typeof ZRegistryCredentialBody>;

/** A registry credential as the API shows it: never the password. */
export const ZRegistryCredential = z.object({
  /** canonical registry host[:port] (Docker Hub's names: docker.io) */
  host: z.string(),
  username: z.string().nullable(),
  repositories: z.array(z.string()),
  updatedAt: z.string(),
});
export type TRegistryCredential = z.infer<typeof ZRegistryCredential>;

/** POST /api/v1/builds/:id/publish/retry: what was queued again. */
export const ZPublishRetry = z.object({
  buildId: z.string(),
  attempt: z.number(),
  /** the targets and tags that had failed or were still pending */
  retried: z.array(z.object({ target: z.string(), tags: z.array(z.string()) })),
});
export type TPublishRetry = z.infer<typeof ZPublishRetry>;

/** GET /api/v1/registries */
export const ZRegistryCredentialList = z.object({ registries: z.array(ZRegistryCredential) });
