import { isIndexMediaType } from "./media-types";
import { isVerifiableDigest } from "./reference-grammar";

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
}

export interface ManifestReferences {
  /** Child manifests of an index (platform images and buildx attestation manifests alike). */
  manifests: Descriptor[];
  /** Config and layer blobs of an image manifest that must exist in the target. */
  blobs: Descriptor[];
}

/**
 * Lists what a manifest points at. Only the references are read; the bytes that get PUT are
 * the original ones. Layers that carry `urls` (foreign / non-distributable layers) live
 * outside the registry and are not copied, as docker and Distribution treat them.
 */
export function manifestReferences(bytes: Buffer, mediaType: string): ManifestReferences {
  const json = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  if (isIndexMediaType(mediaType)) {
    return { manifests: descriptors(json.manifests, "manifests"), blobs: [] };
  }
  const config = descriptors(json.config === undefined ? [] : [json.config], "config");
  if (config.length === 0) throw new Error("image manifest has no config descriptor");
  const layers = (Array.isArray(json.layers) ? json.layers : []).filter(
    (layer: unknown) => !(isObject(layer) && Array.isArray(layer.urls) && layer.urls.length > 0),
  );
  return { manifests: [], blobs: [...config, ...descriptors(layers, "layers")] };
}

function descriptors(value: unknown, field: string): Descriptor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`manifest field ${field} is not a list`);
  return value.map((item: unknown, i) => {
    if (!isObject(item) || typeof item.digest !== "string" || !isVerifiableDigest(item.digest)) {
      throw new Error(`manifest ${field}[${i}] has no valid sha256/sha512 digest`);
    }
    const d: Descriptor = { digest: item.digest };
    if (typeof item.mediaType === "string") d.mediaType = item.mediaType;
    if (typeof item.size === "number") d.size = item.size;
    return d;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
