import { internalCachePath, internalImagePath } from "@slipway/contracts";
import type { TRegistryAccess } from "./registry-grant";

/**
 * What one build may do in the internal registry: pull and push its own repository's images
 * and layer cache (by GitHub id), pull the shared base images. Nothing else: another
 * repository's images and cache, the catalog, deletes.
 */
export function buildRegistryAccess(githubId: bigint, basePaths: readonly string[]): TRegistryAccess[] {
  return [
    { name: internalImagePath(githubId), actions: ["pull", "push"] },
    { name: internalCachePath(githubId), actions: ["pull", "push"] },
    ...basePaths.map((name) => ({ name, actions: ["pull" as const] })),
  ];
}
