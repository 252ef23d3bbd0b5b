import { createHash } from "node:crypto";

/** A string made into a valid OCI tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
export function sanitizeTag(s: string): string {
  let t = s.replace(/[^A-Za-z0-9_.-]+/g, "-");
  t = t.replace(/^[.-]+/, "");
  if (!t) t = "_";
  if (t.length > 128) t = t.slice(0, 128);
  return t;
}

/**
 * "Codertocat/Hello-World" -> "codertocat/hello-world". Each path part must match the OCI
 * grammar [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*; GitHub allows names it rejects (".github",
 * "_tools", "a..b"). Such a part is cleaned and given a short hash of the original, so two
 * names that clean to the same text never share an image or a cache.
 */
export function repositoryPath(fullName: string): string {
  return fullName.split("/").map(pathPart).join("/");
}

const PART = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;

function pathPart(raw: string): string {
  const lower = raw.toLowerCase();
  if (PART.test(lower)) return lower;
  const cleaned = lower.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
  return `${cleaned}-${createHash("sha256").update(raw).digest("hex").slice(0, 6)}`;
}

export interface InternalRefs {
  /** immutable per attempt: <registry>/<owner>/<repo>:build-<id>[-<attempt>] */
  image: string;
  /** cache export ref: this ref */
  cacheTo: string;
  /** cache import refs: this ref, then the default branch */
  cacheFrom: string[];
}

/** Where a build attempt pushes its image and its layer cache in the internal registry. */
export function internalRefs(o: { registry: string; fullName: string; buildId: string; attempt: number; refType: "branch" | "tag"; refName: string; defaultBranch: string | null }): InternalRefs {
  const repo = `${o.registry}/${repositoryPath(o.fullName)}`;
  const cache = `${o.registry}/cache/${repositoryPath(o.fullName)}`;
  const own = `${cache}:${sanitizeTag(`${o.refType}-${o.refName}`)}`;
  const from = [own];
  if (o.defaultBranch) {
    const def = `${cache}:${sanitizeTag(`branch-${o.defaultBranch}`)}`;
    if (def !== own) from.push(def);
  }
  return { image: `${repo}:build-${o.buildId}${o.attempt > 1 ? `-${o.attempt}` : ""}`, cacheTo: own, cacheFrom: from };
}
