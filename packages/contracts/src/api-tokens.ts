import { z } from "zod";
import { GITHUB_OWNER, isGithubFullName } from "./github-names";

/** What a token may do: admin implies write implies read. */
export const ZTokenScope = z.enum(["read", "write", "admin"]);
export type TTokenScope = z.infer<typeof ZTokenScope>;

// GitHub's own name grammar (github-names.ts); the only wildcard is a whole "*" repository.
const isPattern = (p: string) => (p.endsWith("/*") ? GITHUB_OWNER.test(p.slice(0, -2)) : isGithubFullName(p));

/** "owner/*" or "owner/repo"; stored lowercase because GitHub names are case-insensitive. */
export const ZRepositoryPattern = z
  .string()
  .refine(isPattern, 'must be "owner/*" or "owner/repo" (GitHub names)')
  .transform((p) => p.toLowerCase());

/**
 * The repositories a caller may see: lowercase patterns, or null for every repository.
 * "No limit" is spelled null so it cannot be mistaken for an empty list, which reaches nothing.
 */
export type TRepositoryReach = readonly string[] | null;

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** POST /api/v1/tokens (and `npm run token -- create`). */
export const ZCreateTokenBody = z.strictObject({
  name: z
    .string({ error: "is required" })
    .trim()
    .min(1, "must not be empty")
    .max(100, "must be at most 100 characters")
    .regex(/^[^\p{Cc}]+$/u, "must not contain control characters"),
  scopes: z
    .array(ZTokenScope, { error: "is required: a list of read, write, admin" })
    .min(1, "needs at least one of read, write, admin")
    .transform(unique),
  // An empty list is refused rather than read as "every repository" (or as "none").
  repositories: z
    .array(ZRepositoryPattern)
    .min(1, "omit it for every repository; an empty list is refused")
    .max(100, "at most 100 patterns")
    .transform(unique)
    .optional(),
  expiresAt: z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z" })
    .transform((s) => new Date(s))
    .refine((d) => d.getTime() > Date.now(), "must be in the future")
    .optional(),
});
export type TCreateTokenBody = z.infer<typeof ZCreateTokenBody>;

/** A token as GET /api/v1/tokens shows it: never the secret, nor its hash. */
export const ZApiToken = z.object({
  id: z.string(),
  name: z.string(),
  /** the first characters of the secret, to recognise it */
  prefix: z.string(),
  scopes: z.array(z.string()),
  /** null: every repository */
  repositories: z.array(z.string()).nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TApiToken = z.infer<typeof ZApiToken>;

/** The one answer that carries the secret: POST /api/v1/tokens. */
export const ZCreatedApiToken = ZApiToken.extend({ token: z.string() });
export type TCreatedApiToken = z.infer<typeof ZCreatedApiToken>;

/** GET /api/v1/tokens */
export const ZApiTokenList = z.object({ tokens: z.array(ZApiToken) });
