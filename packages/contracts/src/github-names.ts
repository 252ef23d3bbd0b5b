import { z } from "zod";

/**
 * GitHub's account (user or organisation) name grammar: letters, digits and hyphens, 1-39
 * characters, not starting with a hyphen. GitHub today also forbids a trailing or doubled
 * hyphen, but accounts made before that rule still carry them, so those are accepted.
 */
export const GITHUB_OWNER = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;

/**
 * GitHub's repository name grammar: letters, digits, `.`, `_`, `-`, 1-100 characters; `.` and
 * `..` are not names. Nothing here can be read as a path segment or a command-line option.
 */
export const GITHUB_REPO = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

/** "owner/repo" as GitHub spells it, checked part by part. */
export const isGithubFullName = (s: string): boolean => {
  const parts = s.split("/");
  return parts.length === 2 && GITHUB_OWNER.test(parts[0]!) && GITHUB_REPO.test(parts[1]!);
};

export const zGithubFullName = z
  .string()
  .refine(isGithubFullName, "must be owner/repo as GitHub names them (owner: letters, digits, -; repo: letters, digits, . _ -)");

/** A GitHub repository id: a positive integer JavaScript holds exactly (stored as bigint). */
export const zGithubId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A pull request number (stored as a 32-bit integer). */
export const zPullRequestNumber = z.number().int().positive().max(2_147_483_647);
