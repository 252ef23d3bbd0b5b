import { internalCachePath, internalImagePath, sanitizeTag } from "@slipway/contracts";

export interface InternalRefs {
  /** immutable per attempt: <registry>/github/<repo id>:build-<id>[-<attempt>] */
  image: string;
  /** cache export ref: this ref */
  cacheTo: string;
  /** cache import refs: this ref, then a pull request's base branch, then the default branch */
  cacheFrom: string[];
}

export interface RefsInput {
  registry: string;
  githubId: bigint;
  buildId: string;
  attempt: number;
  refType: "branch" | "tag" | "pull_request";
  refName: string;
  defaultBranch: string | null;
  /** a pull request build: its number and base branch */
  pullRequest?: number | null;
  baseRef?: string | null;
}

/**
 * Where a build attempt pushes its image and its layer cache in the internal registry: under
 * the repository's GitHub id (internalImagePath), so renames keep the cache and a reused name
 * starts empty. A pull request writes its own cache (pr-<n>) and reads its base branch's:
 * branch builds never read a pull request's cache, so a pull request (a fork's above all)
 * cannot plant layers in them.
 */
export function internalRefs(o: RefsInput): InternalRefs {
  const repo = `${o.registry}/${internalImagePath(o.githubId)}`;
  const cache = `${o.registry}/${internalCachePath(o.githubId)}`;
  const branchCache = (b: string) => `${cache}:${sanitizeTag(`branch-${b}`)}`;
  const own =
    o.refType === "pull_request"
      ? `${cache}:pr-${o.pullRequest ?? sanitizeTag(o.refName)}`
      : `${cache}:${sanitizeTag(`${o.refType}-${o.refName}`)}`;
  const from = [own];
  for (const b of [o.refType === "pull_request" ? o.baseRef : null, o.defaultBranch]) {
    if (b && !from.includes(branchCache(b))) from.push(branchCache(b));
  }
  return { image: `${repo}:build-${o.buildId}${o.attempt > 1 ? `-${o.attempt}` : ""}`, cacheTo: own, cacheFrom: from };
}
