import type { RegistryClient } from "@slipway/registry";
import semver from "semver";
import { tagMove, type TagInput } from "./default-tags";

/**
 * A release tag: `1.2.3`, `v1.2.3`, or a pre-release/build form (`1.2.3-rc.1`). It names one
 * version for good, so once published at a target it never moves (unless an admin turns the
 * repository's immutableTags setting off; never `.slipway.yml`, which any pusher writes). Decided by the tag's name, whatever pushed it: a branch named
 * `1.2.3` does not overwrite the release either.
 */
export function isReleaseTag(tag: string): boolean {
  return /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(tag) && semver.valid(tag.replace(/^v/, "")) !== null;
}

export interface HeldTag {
  tag: string;
  status: "failed" | "superseded";
  reason: string;
}

/**
 * Release tags among `tags` that already point at another image at the target: refused
 * (failed, with the reason). The floating tags of the same release (`1.2`, `1`) are held back
 * with them (superseded): they would otherwise name an image that is not the published 1.2.3.
 * Reads each release tag's current digest at the target first (a HEAD per tag).
 * Known window: two builds publishing the same new release tag at the same instant can both
 * find it absent; the claim on the image keeps them to one repository.
 */
export async function heldReleaseTags(
  registry: RegistryClient,
  target: { image: string; registry: string; repository: string },
  tags: readonly string[],
  digest: string,
  build: TagInput,
): Promise<HeldTag[]> {
  const held: HeldTag[] = [];
  for (const tag of tags.filter(isReleaseTag)) {
    const current = await registry.manifestDigest(target.registry, target.repository, tag);
    if (current && current !== digest) {
      held.push({
        tag,
        status: "failed",
        reason: `release tag ${tag} already points at ${current} at ${target.image}; release tags are immutable (an admin lets them move with PATCH /api/v1/repositories/<owner>/<name> {"immutableTags": false})`,
      });
    }
  }
  const refused = held[0];
  if (!refused) return held;
  for (const tag of tags) {
    if (tagMove(build, tag) === "highest-version")
      held.push({
        tag,
        status: "superseded",
        reason: `held back with ${refused.tag}, which is immutable and names another image at ${target.image}`,
      });
  }
  return held;
}
