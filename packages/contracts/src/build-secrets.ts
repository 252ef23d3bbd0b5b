import { z } from "zod";
import { ZRepositoryPattern } from "./api-tokens";

/**
 * A build secret's name: what `.slipway.yml` `secrets:` lists and what a Dockerfile mounts
 * (`RUN --mount=type=secret,id=NAME`). Letters, digits and `_`, not starting with a digit, as
 * an environment variable's name, so the same name works as `--mount=...,env=NAME` too.
 */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
export const SECRET_NAME_RULE = "letters, digits and _, not starting with a digit, at most 100 characters";
export const zSecretName = z.string().regex(SECRET_NAME, `must be ${SECRET_NAME_RULE}`);

/**
 * The shortest value stored: build logs mask every stored value, and a value of one to three
 * characters would mask ordinary text everywhere while hiding nothing worth hiding (CI systems
 * refuse them too: GitHub Actions does not mask one-character secrets, GitLab asks for 8+).
 */
const SECRET_MIN_CHARS = 4;
/** BuildKit's limit for one secret is 500 KiB; values this farm masks in every log line stay far smaller. */
const SECRET_MAX_CHARS = 64 * 1024;
/**
 * The longest line of a value. The worker emits an endless output line once it holds 64 KiB +
 * 4 KiB of it and drops the rest; the sink keeps the first 64 KiB. A secret line no longer than
 * the 4 KiB margin that straddles that point therefore lies wholly in what is dropped, never half
 * in the log (a longer one could leave its first part visible, unmasked).
 */
const SECRET_MAX_LINE = 4096;

/** PUT /api/v1/secrets/:name: creates or replaces a build secret. */
export const ZPutSecretBody = z.strictObject({
  value: z
    .string({ error: "is required: the secret's value as a string" })
    .max(SECRET_MAX_CHARS, `must be at most ${SECRET_MAX_CHARS} characters`)
    .refine(
      (v) => v.split("\n").every((l) => l.length <= SECRET_MAX_LINE),
      `each line must be at most ${SECRET_MAX_LINE} characters (so the log can mask it whole)`,
    )
    .refine(
      (v) => v.trim().length >= SECRET_MIN_CHARS,
      `must hold at least ${SECRET_MIN_CHARS} characters besides surrounding whitespace: shorter values cannot be masked in build logs`,
    ),
  // Required and never empty: a secret no repository may use is useless, and "every
  // repository" must be spelled out as patterns (there is no implicit everything here).
  repositories: z
    .array(ZRepositoryPattern, { error: 'is required: the repositories that may use it, "owner/*" or "owner/repo"' })
    .min(1, 'needs at least one pattern, "owner/*" or "owner/repo"')
    .max(100, "at most 100 patterns")
    .transform((xs) => [...new Set(xs)]),
});
export type TPutSecretBody = z.infer<typeof ZPutSecretBody>;

/** A build secret as the API shows it: never its value. */
export const ZBuildSecret = z.object({
  name: z.string(),
  repositories: z.array(z.string()),
  updatedAt: z.string(),
});
export type TBuildSecret = z.infer<typeof ZBuildSecret>;

/** GET /api/v1/secrets */
export const ZBuildSecretList = z.object({ secrets: z.array(ZBuildSecret) });
