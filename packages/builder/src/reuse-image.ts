import { internalImagePath } from "@slipway/contracts";
import { RegistryClient } from "@slipway/registry";
import { buildRegistryAccess, mintRegistryCredential } from "@slipway/registry-auth";
import type { TBuildConfig } from "./build-config";
import type { CoalesceSource } from "./coalesce";
import type { AttemptOutcome } from "./record-outcome";

/**
 * A coalesced build's outcome: the earlier build's image, tagged under this build's own
 * immutable tag in the internal registry (a manifest PUT by digest: the blobs are there
 * already), with the build's own credential. Each build keeps a tag of its own, so image
 * retention treats them one by one (a shared digest loses only a tag).
 */
export async function reuseImage(
  settings: { registry: string; registryAuth?: { secret: string; basePaths: readonly string[] } },
  githubId: bigint,
  buildId: string,
  source: CoalesceSource,
  imageRef: string,
  config: TBuildConfig,
  line: (s: string) => void,
): Promise<AttemptOutcome> {
  line(
    `slipway: build ${source.id} already built this commit with this config: reusing its image ${source.imageRef}@${source.digest}; no BuildKit run`,
  );
  const repository = internalImagePath(githubId);
  const tag = imageRef.slice(imageRef.lastIndexOf(":") + 1);
  const auth = settings.registryAuth;
  const client = new RegistryClient({
    credentials: (host) =>
      auth && host === settings.registry
        ? mintRegistryCredential(auth.secret, {
            sub: `build-${buildId}`,
            access: buildRegistryAccess(githubId, auth.basePaths),
            ttlSeconds: 900,
          })
        : undefined,
  });
  await client.copyImage({ registry: settings.registry, repository, digest: source.digest }, { registry: settings.registry, repository }, [
    tag,
  ]);
  const total = source.totalSteps ?? 0;
  return {
    kind: "succeeded",
    digest: source.digest,
    imageRef,
    steps: [],
    counts: { cached: total, total },
    config,
    coalescedFrom: source.id,
  };
}
