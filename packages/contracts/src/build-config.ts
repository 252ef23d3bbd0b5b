import { z } from "zod";
import { zSecretName } from "./build-secrets";

/** Paths in .slipway.yml are repository-relative and must stay inside the repository. */
const zRepoPath = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .refine((p) => {
      if (p.startsWith("/") || p.includes("\0")) return false;
      // Normalised by hand (contracts stay free of node: modules): walk the segments.
      let depth = 0;
      for (const part of p.split("/")) {
        if (part === "..") depth--;
        else if (part !== "" && part !== ".") depth++;
        if (depth < 0) return false;
      }
      return true;
    }, `${what} must be a path inside the repository`);

const zImage = z
  .string()
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/,
    "must be a registry host and repository in lowercase, e.g. ghcr.io/owner/app (no tag)",
  );

/** `.slipway.yml` at the repository root. Unknown keys are errors (a typo must not be ignored). */
export const ZBuildConfig = z.strictObject({
  dockerfile: zRepoPath("dockerfile").default("Dockerfile"),
  context: zRepoPath("context").default("."),
  target: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a build stage name")
    .optional(),
  buildArgs: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]).transform(String), {
      error: (iss) => (iss.code === "invalid_key" ? "build arg names are letters, digits and _" : undefined),
    })
    // BUILDKIT_* build args steer BuildKit itself (cache mount namespace, frontend image, ...):
    // the farm sets the ones it needs, a repository sets none.
    .refine(
      (args) => !Object.keys(args).some((k) => /^BUILDKIT_/i.test(k)),
      "build args named BUILDKIT_* steer BuildKit itself and are set by the farm",
    )
    .default({}),
  publish: z.array(z.strictObject({ image: zImage })).default([]),
  /** pull requests from branches of the repository publish `pr-<n>` (forks never do) */
  publishPullRequests: z.boolean().default(false),
  /** build secrets handed to BuildKit as `--secret id=NAME` (RUN --mount=type=secret,id=NAME) */
  secrets: z
    .array(zSecretName)
    .max(100, "at most 100 secrets")
    .refine((names) => new Set(names).size === names.length, "each secret is listed once")
    .default([]),
});
export type TBuildConfig = z.infer<typeof ZBuildConfig>;
