import { createHash, randomBytes } from "node:crypto";
import { finishUpload, hasBlob, startUpload } from "./blob-upload";
import { findManifestDigest } from "./find-manifest-digest";
import { MediaType } from "./media-types";
import { putManifest } from "./put-manifest";
import { discard, type RegistryTransport } from "./registry-transport";

/**
 * DELETE a manifest by digest. Distribution removes the manifest and every tag of the
 * repository pointing at it; the blobs stay until the registry's garbage collection. Returns
 * false when it was not there (already deleted).
 */
export async function deleteManifest(transport: RegistryTransport, registry: string, repository: string, digest: string): Promise<boolean> {
  const res = await transport.request({
    registry,
    repository,
    what: `deletion of manifest ${digest}`,
    method: "DELETE",
    url: `/v2/${repository}/manifests/${digest}`,
    scopes: [`repository:${repository}:delete`],
    allow: [404],
  });
  await discard(res);
  return res.ok;
}

/** The OCI empty descriptor's content ("{}"): the config of a manifest that describes nothing. */
const EMPTY_JSON = Buffer.from("{}");
const EMPTY_DIGEST = `sha256:${createHash("sha256").update(EMPTY_JSON).digest("hex")}`;

/**
 * Removes one tag and nothing else. The distribution API deletes manifests, by digest, with
 * every tag pointing at them, and has no call that removes only a tag; two tags often share a
 * digest here (a rebuild of a commit, two branches' identical caches). So the tag is first
 * moved to a manifest of its own (an empty OCI manifest made unique by an annotation), and
 * that manifest is deleted: only this tag goes, whatever else points at the old digest.
 * (regclient's `tag delete` does the same on registries without tag deletion.) Returns the
 * digest the tag pointed at, or undefined when there was no such tag.
 */
export async function removeTag(
  transport: RegistryTransport,
  registry: string,
  repository: string,
  tag: string,
): Promise<string | undefined> {
  const previous = await findManifestDigest(transport, registry, repository, tag);
  if (!previous) return undefined;
  await pushEmptyConfig(transport, registry, repository);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: EMPTY_DIGEST, size: EMPTY_JSON.length },
      layers: [],
      annotations: { "dev.slipway.untagged": `${tag} ${new Date().toISOString()} ${randomBytes(8).toString("hex")}` },
    }),
  );
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  await putManifest(transport, { registry, repository }, tag, { bytes, mediaType: MediaType.ociManifest, digest });
  await deleteManifest(transport, registry, repository, digest);
  return previous;
}

/** Uploads "{}" (two bytes, one request pair) unless the repository has it. */
async function pushEmptyConfig(transport: RegistryTransport, registry: string, repository: string): Promise<void> {
  const dst = { registry, repository };
  if (await hasBlob(transport, dst, EMPTY_DIGEST)) return;
  const session = await startUpload(transport, dst, EMPTY_DIGEST);
  if (session !== "mounted") await finishUpload(transport, dst, EMPTY_DIGEST, session, EMPTY_JSON.length, () => EMPTY_JSON);
}
