import { fetchManifest } from "./fetch-manifest";
import { MANIFEST_ACCEPT } from "./media-types";
import { isVerifiableDigest } from "./reference-grammar";
import { discard, type RegistryTransport } from "./registry-transport";

/**
 * The digest a tag (or digest) points at in a repository, or undefined when it points at
 * nothing there. A HEAD with the same Accept as a copy, read from Docker-Content-Digest (no
 * body, and Docker Hub does not count HEADs against its pull limit); a registry that sends no
 * such header is asked with a GET and the bytes hashed.
 *
 * After authenticating, 401 and 403 also count as "nothing there": Docker Hub answers a
 * repository that does not exist yet (a first publish) with 401 rather than 404, so that
 * private names do not leak. A credential that really cannot read the repository cannot push
 * to it either, and the push that follows fails with the registry's own answer.
 */
export async function findManifestDigest(
  transport: RegistryTransport,
  registry: string,
  repository: string,
  reference: string,
): Promise<string | undefined> {
  const res = await transport.request({
    registry,
    repository,
    what: `manifest ${reference}`,
    method: "HEAD",
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
    scopes: [`repository:${repository}:pull`],
    allow: [401, 403, 404],
  });
  await discard(res);
  if (!res.ok) return undefined;
  const digest = res.headers.get("docker-content-digest");
  if (digest && isVerifiableDigest(digest)) return digest;
  return (await fetchManifest(transport, registry, repository, reference)).digest;
}
