import type { Db } from "@slipway/db";
import semver from "semver";
import { releaseVersion, tagMove, type TagInput } from "./default-tags";

export interface SupersededTag {
  tag: string;
  /** the build that holds the tag and wins over this one */
  byBuildId: string;
  reason: string;
}

/**
 * The floating tags this build must not take on `target`, because a newer build (branch
 * tags, latest) or a higher release (1.2, 1) already published them. Builds run in parallel,
 * so the last to finish is not always the one that should win.
 * Known window: two publishes of the same tag checking at the same instant can both proceed.
 */
export async function supersededTags(db: Db, build: { id: string } & TagInput, target: string, tags: string[]): Promise<SupersededTag[]> {
  const floating = tags.filter((t) => tagMove(build, t) !== "fixed");
  if (!floating.length) return [];
  const holders = await db.publish.findMany({
    where: { target, tag: { in: floating }, status: "pushed", buildId: { not: build.id } },
    select: { tag: true, buildId: true, build: { select: { refName: true, refType: true } } },
  });
  const mine = releaseVersion(build.refName);
  const out: SupersededTag[] = [];
  for (const tag of floating) {
    for (const h of holders.filter((x) => x.tag === tag)) {
      if (tagMove(build, tag) === "newest-build" && h.buildId > build.id) {
        // UUIDv7 ids sort by creation time: a larger id is a later push.
        out.push({ tag, byBuildId: h.buildId, reason: `build ${h.buildId}, pushed later, already published it` });
        break;
      }
      const theirs = h.build.refType === "tag" ? releaseVersion(h.build.refName) : null;
      if (tagMove(build, tag) === "highest-version" && mine && theirs && semver.gt(theirs, mine)) {
        out.push({ tag, byBuildId: h.buildId, reason: `release ${theirs} (build ${h.buildId}) is higher` });
        break;
      }
    }
  }
  return out;
}
