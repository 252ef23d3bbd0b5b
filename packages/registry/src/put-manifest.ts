import { RegistryError } from "./registry-error";
import { discard, type RegistryTransport } from "./registry-transport";
import type { FetchedManifest } from "./fetch-manifest";

/**
 * PUTs manifest bytes unchanged under `reference` (a digest or a tag), with the exact media
 * type as Content-Type, and checks the digest the registry says it stored: a registry that
 * rewrote the manifest would silently break the digest the publisher promised.
 */
export async function putManifest(
  transport: RegistryTransport,
  dst: { registry: string; repository: string },
  reference: string,
  manifest: FetchedManifest,
): Promise<void> {
  const res = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: reference.includes(":") ? `manifest ${reference}` : `manifest ${manifest.digest} as tag ${reference}`,
    method: "PUT",
    url: `/v2/${dst.repository}/manifests/${reference}`,
    headers: { "content-type": manifest.mediaType, "content-length": String(manifest.bytes.length) },
    body: () => manifest.bytes,
    scopes: [`repository:${dst.repository}:pull,push`],
  });
  await discard(res);
  const stored = res.headers.get("docker-content-digest");
  // Registries answer in their own algorithm (sha256); only a same-algorithm answer is comparable.
  const sameAlgorithm = stored?.split(":")[0] === manifest.digest.split(":")[0];
  if (stored && sameAlgorithm && stored !== manifest.digest) {
    throw new RegistryError(
      `${dst.registry}/${dst.repository}: registry stored manifest ${manifest.digest} under ${reference} as ${stored}`,
      { registry: dst.registry, kind: "infrastructure" },
    );
  }
}
