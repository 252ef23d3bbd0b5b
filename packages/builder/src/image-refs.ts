import { internalCachePath, internalImagePath, sanitizeTag } from "@slipway/contracts";

export interface InternalRefs {
  /** immutable per attempt: <registry>/github/<repo id>:build-<id>[-<attempt>] */
  image: string;
  /** cache export ref: this ref */
  cacheTo: string;
  /** cache import refs: this ref, then the default branch */
  cacheFrom: string[];
}

/**
 * Where a build attempt pushes its image and its layer cache in the internal registry: under
 * the repository's GitHub id (internalImagePath), so renames keep the cache and a reused name
 * starts empty.
 */
export function internalRefs(o: { registry: string; githubId: bigint; buildId: string; attempt: number; refType: "branch" | "tag"; refName: string; defaultBranch: string | null }): InternalRefs {
  const repo = `${o.registry}/${internalImagePath(o.githubId)}`;
  const cache = `${o.registry}/${internalCachePath(o.githubId)}`;
  const own = `${cache}:${sanitizeTag(`${o.refType}-${o.refName}`)}`;
  const from = [own];
  if (o.defaultBranch) {
    const def = `${cache}:${sanitizeTag(`branch-${o.defaultBranch}`)}`;
    if (def !== own) from.push(def);
  }
  return { image: `${repo}:build-${o.buildId}${o.attempt > 1 ? `-${o.attempt}` : ""}`, cacheTo: own, cacheFrom: from };
}
