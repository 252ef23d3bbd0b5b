import { createHash } from "node:crypto";
import { bareMediaType, isImageManifestMediaType, isIndexMediaType, MANIFEST_ACCEPT } from "./media-types";
import { RegistryError } from "./registry-error";
import type { RegistryTransport } from "./registry-transport";

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/**
 * GETs a manifest exactly as stored. The bytes are never re-serialised: the digest is the
 * sha256 of these bytes, and the copy must PUT the very same bytes to keep it. A request by
 * digest whose bytes hash to something else is refused.
 */
export async function fetchManifest(
  transport: RegistryTransport,
  registry: string,
  repository: string,
  reference: string,
): Promise<FetchedManifest> {
  const label = `${registry}/${repository}: manifest ${reference}`;
  const res = await transport.request({
    registry,
    repository,
    what: `manifest ${reference}`,
    method: "GET",
    url: `/v2/${repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
    scopes: [`repository:${repository}:pull`],
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  // By digest: hash with the reference's own algorithm and insist on a match; by tag: sha256.
  const byDigest = reference.includes(":");
  const algorithm = byDigest ? reference.split(":")[0]! : "sha256";
  const digest = `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
  if (byDigest && digest !== reference) {
    throw new RegistryError(`${label} is corrupt: its content hashes to ${digest}`, { registry, kind: "infrastructure" });
  }
  const mediaType = manifestMediaType(res.headers.get("content-type"), bytes);
  if (!mediaType) {
    throw new RegistryError(
      `${label} has unsupported media type ${JSON.stringify(bareMediaType(res.headers.get("content-type")))} (expected an OCI or Docker v2 manifest or index)`,
      { registry, kind: "user" },
    );
  }
  return { bytes, mediaType, digest };
}

/** The registry's Content-Type, or the manifest's own mediaType field when the header is generic. */
function manifestMediaType(contentType: string | null, bytes: Buffer): string | undefined {
  const known = (t: string | undefined): t is string => t !== undefined && (isIndexMediaType(t) || isImageManifestMediaType(t));
  const header = bareMediaType(contentType);
  if (known(header)) return header;
  try {
    const field = (JSON.parse(bytes.toString("utf8")) as { mediaType?: unknown }).mediaType;
    if (typeof field === "string" && known(field)) return field;
  } catch {
    // Not JSON: fall through to "unsupported".
  }
  return undefined;
}
