import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { isBareUrl } from "./is-bare-url";

const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

/** How the farm talks to GitHub: a personal access token, or a GitHub App. */
export interface TGithubSettings {
  /** REST API base @defaultValue https://api.github.com */
  apiUrl: string;
  auth: { kind: "token"; token: string } | { kind: "app"; appId: string; privateKey: string };
}

/**
 * The GitHub variables every app reads (api: only whether reporting is on; worker: tokens
 * for git; publisher: the reporter). Check them with checkGithubFields, read them with
 * githubSettingsOf.
 */
export const githubFields = {
  /** a personal access token (Contents read, Commit statuses write); or set the App below */
  SLIPWAY_GITHUB_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\S{20,255}$/, "must be a GitHub token (20+ characters, no spaces)")
      .optional(),
  ),
  /** the GitHub App's numeric id (App settings, "App ID") */
  SLIPWAY_GITHUB_APP_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[1-9]\d{0,11}$/, "must be the App's numeric id")
      .optional(),
  ),
  /** the App's private key (PEM; `\n` escapes are accepted) — or SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE */
  SLIPWAY_GITHUB_APP_PRIVATE_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  /** a file holding the App's private key (PEM) */
  SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
  /** GitHub's REST API; GitHub Enterprise Server: https://HOST/api/v3 @defaultValue https://api.github.com */
  SLIPWAY_GITHUB_API_URL: z
    .preprocess(emptyToUndefined, z.string().default("https://api.github.com"))
    .pipe(
      z.string().refine((v) => isBareUrl(v), "must be an http(s) URL without credentials, query or fragment, e.g. https://api.github.com"),
    ),
};

interface GithubEnv {
  SLIPWAY_GITHUB_TOKEN?: string | undefined;
  SLIPWAY_GITHUB_APP_ID?: string | undefined;
  SLIPWAY_GITHUB_APP_PRIVATE_KEY?: string | undefined;
  SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE?: string | undefined;
  SLIPWAY_GITHUB_API_URL: string;
}

type Resolved = TGithubSettings | undefined | { problem: { variable: keyof GithubEnv; message: string } };

function resolve(c: GithubEnv): Resolved {
  const problem = (variable: keyof GithubEnv, message: string) => ({ problem: { variable, message } });
  const appSet =
    c.SLIPWAY_GITHUB_APP_ID !== undefined ||
    c.SLIPWAY_GITHUB_APP_PRIVATE_KEY !== undefined ||
    c.SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE !== undefined;
  if (c.SLIPWAY_GITHUB_TOKEN && appSet)
    return problem("SLIPWAY_GITHUB_TOKEN", "set either a token or a GitHub App (SLIPWAY_GITHUB_APP_*), not both");
  if (c.SLIPWAY_GITHUB_TOKEN) return { apiUrl: c.SLIPWAY_GITHUB_API_URL, auth: { kind: "token", token: c.SLIPWAY_GITHUB_TOKEN } };
  if (!appSet) return undefined;
  if (!c.SLIPWAY_GITHUB_APP_ID) return problem("SLIPWAY_GITHUB_APP_ID", "is required with a GitHub App private key");
  if (c.SLIPWAY_GITHUB_APP_PRIVATE_KEY && c.SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE) {
    return problem("SLIPWAY_GITHUB_APP_PRIVATE_KEY", "set the key or SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE, not both");
  }
  let pem = c.SLIPWAY_GITHUB_APP_PRIVATE_KEY?.replace(/\\n/g, "\n");
  const keyVar = pem ? "SLIPWAY_GITHUB_APP_PRIVATE_KEY" : "SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE";
  if (!pem && c.SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE) {
    try {
      pem = readFileSync(c.SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE, "utf8");
    } catch (err) {
      return problem("SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE", `cannot be read: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  if (!pem)
    return problem("SLIPWAY_GITHUB_APP_PRIVATE_KEY", "is required with SLIPWAY_GITHUB_APP_ID (or SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE)");
  try {
    if (createPrivateKey(pem).asymmetricKeyType !== "rsa") return problem(keyVar, "must be the App's RSA private key (PEM)");
  } catch {
    // The parser's message could quote part of the key: say only what is wrong.
    return problem(keyVar, 'is not a PEM private key (download one from the App\'s settings, "Private keys")');
  }
  return { apiUrl: c.SLIPWAY_GITHUB_API_URL, auth: { kind: "app", appId: c.SLIPWAY_GITHUB_APP_ID, privateKey: pem } };
}

/**
 * Cross-field rules of the GitHub variables, for an app schema's `.superRefine`: exactly one
 * of the token and the App; the App needs its id and one private key (inline or a file), an
 * RSA key. Each problem names the variable, never its value.
 */
export function checkGithubFields(c: GithubEnv, ctx: z.RefinementCtx<GithubEnv>): void {
  const r = resolve(c);
  if (r && "problem" in r) ctx.addIssue({ code: "custom", path: [r.problem.variable], message: r.problem.message });
}

/**
 * The GitHub settings of a config checked with checkGithubFields, or undefined when none is
 * set (no GitHub: public fetches only, nothing reported).
 */
export function githubSettingsOf(c: GithubEnv): TGithubSettings | undefined {
  const r = resolve(c);
  if (r && "problem" in r) throw new Error(`${r.problem.variable}: ${r.problem.message}`);
  return r;
}

/**
 * `SLIPWAY_PUBLIC_URL`: where people reach the dashboard (links on GitHub checks:
 * <url>/builds/<id>). Unset: no links.
 */
export const zPublicUrl = z.preprocess(emptyToUndefined, z.string().optional()).pipe(
  z
    .string()
    .refine((v) => isBareUrl(v), "must be an http(s) URL without credentials, query or fragment, e.g. https://slipway.example.com")
    .transform((v) => v.replace(/\/+$/, ""))
    .optional(),
);
