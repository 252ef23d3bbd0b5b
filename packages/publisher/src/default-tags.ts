import { sanitizeTag as sanitize } from "@slipway/contracts";
import semver, { type SemVer } from "semver";

/** `v1.2.3` or `1.2.3` (with pre-release/build parts) as a version, anything else null. */
function parseRelease(refName: string): SemVer | null {
  return /^v?\d+\.\d+\.\d+/.test(refName) ? semver.parse(refName.replace(/^v/, "")) : null;
}

export interface TagInput {
  refType: "branch" | "tag" | "pull_request";
  refName: string;
  sha: string;
  /** the repository's default branch, if known */
  defaultBranch: string | null;
  /** a pull request build's number */
  pullRequest?: number | null;
}

/**
 * Names the farm gives tags of its own meaning: `latest`, `sha-<hex>`, `pr-<n>` and versions
 * (`1`, `1.2`, `v1.2.3`, ...). A branch or a plain git tag with such a name would move them (a
 * branch named `latest` taking it from the default branch, one named `1` from the highest
 * release), so its tag gets a prefix instead: `branch-latest`, `tag-1.2`.
 */
const RESERVED = /^(latest|sha-[0-9a-f]+|pr-\d+|v?\d+(\.\d+){0,2}([-+.].*)?)$/i;
const own = (prefix: string, name: string) => {
  const tag = sanitize(name);
  return RESERVED.test(tag) ? sanitize(`${prefix}-${tag}`) : tag;
};

/**
 * The tags a publish target gets, as docker/metadata-action's defaults do:
 * - branch push: `<branch>` (sanitised to a valid tag; `branch-<name>` for a reserved name),
 *   `sha-<7 chars>`, and `latest` on the default branch;
 * - tag `v1.2.3` or `1.2.3`: `1.2.3`, `1.2`, `1`; pre-releases get only their full version,
 *   and a 0 major gets no `0` tag (0.x promises no compatibility);
 * - any other tag: the tag itself (sanitised; `tag-<name>` for a reserved name);
 * - pull request n (when it publishes at all): `pr-<n>`.
 */
export function defaultTags(i: TagInput): string[] {
  if (i.refType === "pull_request") return [`pr-${i.pullRequest ?? sanitize(i.refName)}`];
  if (i.refType === "branch") {
    const tags = [own("branch", i.refName), `sha-${i.sha.slice(0, 7)}`];
    if (i.defaultBranch && i.refName === i.defaultBranch) tags.push("latest");
    return [...new Set(tags)];
  }
  const v = parseRelease(i.refName);
  if (!v) return [own("tag", i.refName)];
  // Build metadata (+...) is not allowed in tags; it does not change precedence either.
  const full = sanitize(v.build.length ? `${v.version}-${v.build.join(".")}` : v.version);
  if (v.prerelease.length) return [full];
  const tags = [full, `${v.major}.${v.minor}`];
  if (v.major > 0) tags.push(`${v.major}`);
  return tags;
}

/**
 * How a tag may move once published:
 * - "fixed": names one thing for good (sha-<7>, 1.2.3, a plain tag name);
 * - "newest-build": follows a branch (`main`, `latest`): only a build created after the one
 *   holding it may take it, so an older commit that finishes later never moves it back;
 * - "highest-version": `1.2` and `1` follow the highest release: a hotfix v1.1.9 pushed after
 *   v1.2.0 does not take `1`.
 */
export type TagMove = "fixed" | "newest-build" | "highest-version";

export function tagMove(i: TagInput, tag: string): TagMove {
  if (tag.startsWith("sha-") && i.refType === "branch") return "fixed";
  if (i.refType === "branch" || i.refType === "pull_request") return "newest-build";
  const v = parseRelease(i.refName);
  if (v && !v.prerelease.length && (tag === `${v.major}.${v.minor}` || tag === `${v.major}`)) return "highest-version";
  return "fixed";
}

/** The release version a tag push stands for, or null. */
export function releaseVersion(refName: string): string | null {
  return parseRelease(refName)?.version ?? null;
}
