import { posix } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { UserFailure } from "./failures";

/** Paths in .slipway.yml are repository-relative and must stay inside the repository. */
const zRepoPath = (what: string) =>
  z.string().min(1, `${what} must not be empty`).refine((p) => {
    if (p.startsWith("/") || p.includes("\0")) return false;
    const n = posix.normalize(p);
    return n !== ".." && !n.startsWith("../");
  }, `${what} must be a path inside the repository`);

const zImage = z.string().regex(
  /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/,
  "must be a registry host and repository in lowercase, e.g. ghcr.io/owner/app (no tag)",
);

/** `.slipway.yml` at the repository root. Unknown keys are errors (a typo must not be ignored). */
export const ZBuildConfig = z.strictObject({
  dockerfile: zRepoPath("dockerfile").default("Dockerfile"),
  context: zRepoPath("context").default("."),
  target: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a build stage name").optional(),
  buildArgs: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()]).transform(String), {
      error: (iss) => (iss.code === "invalid_key" ? "build arg names are letters, digits and _" : undefined),
    })
    // BUILDKIT_* build args steer BuildKit itself (cache mount namespace, frontend image, ...):
    // the farm sets the ones it needs, a repository sets none.
    .refine((args) => !Object.keys(args).some((k) => /^BUILDKIT_/i.test(k)), "build args named BUILDKIT_* steer BuildKit itself and are set by the farm")
    .default({}),
  publish: z.array(z.strictObject({ image: zImage })).default([]),
});
export type TBuildConfig = z.infer<typeof ZBuildConfig>;

export const CONFIG_FILE = ".slipway.yml";

/** Parses the file's text (undefined: no file, defaults). Throws UserFailure naming the field. */
export function parseBuildConfig(text: string | undefined): TBuildConfig {
  if (text === undefined) return ZBuildConfig.parse({});
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new UserFailure(`${CONFIG_FILE} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = ZBuildConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length ? i.path.join(".") : "(top level)";
      return `${field}: ${i.message}`;
    });
    throw new UserFailure(`${CONFIG_FILE} is invalid: ${problems.join("; ")}`);
  }
  return parsed.data;
}
