import { z } from "zod";
import { isBareUrl } from "./is-bare-url";

/**
 * Where the farm fetches repositories from and how: the worker (checkout) and the api (a manual
 * build resolves its ref with ls-remote) read the same two settings.
 */
export const gitFields = {
  /** where repositories are fetched from: <base>/<owner>/<repo>.git. GitHub Enterprise sets
   * its own (https://ghe.example.com) @defaultValue https://github.com */
  SLIPWAY_GIT_BASE_URL: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().default("https://github.com"))
    .pipe(z.string().refine((v) => isBareUrl(v, "any"), "must be a URL without credentials, query or fragment, e.g. https://github.com")),
  /** transports git may use, comma-separated (git's GIT_ALLOW_PROTOCOL): https, http, ssh,
   * git. `file` and `ext` are never allowed @defaultValue https */
  SLIPWAY_GIT_PROTOCOLS: z
    .preprocess((v) => (v === undefined || v === "" ? "https" : v), z.string())
    .transform((v) =>
      v
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(["https", "http", "ssh", "git"], { error: "each protocol must be https, http, ssh or git" }))
        .min(1, "name at least one protocol"),
    ),
};
