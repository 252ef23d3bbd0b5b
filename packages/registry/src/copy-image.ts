import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlobOutcome, copyBlob } from "./copy-blob";
import { fetchManifest, type FetchedManifest } from "./fetch-manifest";
import { manifestReferences } from "./manifest-references";
import { mapLimit } from "./map-limit";
import { putManifest } from "./put-manifest";
import { isVerifiableDigest, REGISTRY_HOST, REPOSITORY } from "./reference-grammar";
import { RegistryError } from "./registry-error";
import type { RegistryTransport } from "./registry-transport";
import { validateTags } from "./validate-tags";

export interface ImageSource {
  registry: string;
  repository: string;
  digest: string;
}

export interface ImageTarget {
  registry: string;
  repository: string;
}

export interface CopyResult {
  digest: string;
  blobsCopied: number;
  blobsSkipped: number;
  blobsMounted: number;
}

/** Blobs moved at once: enough to hide latency, few enough not to swamp a small registry. */
const BLOB_CONCURRENCY = 3;

/**
 * Copies the image `src` (by digest) to `dst` and points every tag at it. Children go before
 * their index and blobs before their manifest, because registries refuse a manifest whose
 * references are missing. Every manifest is PUT byte-for-byte, so the digest the build
 * produced is the digest published, attestation manifests included.
 */
export async function copyImage(
  transport: RegistryTransport,
  src: ImageSource,
  dst: ImageTarget,
  tags: readonly string[],
): Promise<CopyResult> {
  checkTarget(src.registry, src.repository, "source");
  checkTarget(dst.registry, dst.repository, "target");
  if (!isVerifiableDigest(src.digest)) {
    throw new RegistryError(
      `${src.registry}/${src.repository}: source digest ${JSON.stringify(src.digest)} is not a sha256 or sha512 digest`,
      {
        registry: src.registry,
        kind: "user",
      },
    );
  }
  validateTags(dst.registry, dst.repository, tags);

  const counts = { copied: 0, skipped: 0, mounted: 0 };
  // One promise per digest: a blob shared by several child manifests is moved (and counted) once.
  const blobs = new Map<string, Promise<void>>();
  const manifests = new Map<string, Promise<void>>();
  const spoolDir = await mkdtemp(join(tmpdir(), "slipway-registry-"));

  const copyBlobOnce = (digest: string, size: number | undefined): Promise<void> => {
    let pending = blobs.get(digest);
    if (!pending) {
      pending = copyBlob(transport, { src, dst, digest, spoolDir, ...(size === undefined ? {} : { size }) }).then(
        (outcome: BlobOutcome) => void counts[outcome]++,
      );
      blobs.set(digest, pending);
    }
    return pending;
  };

  const copyManifest = async (manifest: FetchedManifest): Promise<void> => {
    let refs;
    try {
      refs = manifestReferences(manifest.bytes, manifest.mediaType);
    } catch (err) {
      throw new RegistryError(`${src.registry}/${src.repository}: manifest ${manifest.digest} is malformed: ${(err as Error).message}`, {
        registry: src.registry,
        kind: "user",
        cause: err,
      });
    }
    for (const child of refs.manifests) await copyManifestOnce(child.digest);
    await mapLimit(refs.blobs, BLOB_CONCURRENCY, (blob) => copyBlobOnce(blob.digest, blob.size));
    await putManifest(transport, dst, manifest.digest, manifest);
  };

  const copyManifestOnce = (digest: string): Promise<void> => {
    let pending = manifests.get(digest);
    if (!pending) {
      pending = fetchManifest(transport, src.registry, src.repository, digest).then(copyManifest);
      manifests.set(digest, pending);
    }
    return pending;
  };

  try {
    const root = await fetchManifest(transport, src.registry, src.repository, src.digest);
    await copyManifest(root);
    for (const tag of tags) await putManifest(transport, dst, tag, root);
    return { digest: root.digest, blobsCopied: counts.copied, blobsSkipped: counts.skipped, blobsMounted: counts.mounted };
  } finally {
    // Let blob transfers already in flight finish or fail before their spool files vanish.
    await Promise.allSettled([...blobs.values()]);
    await rm(spoolDir, { recursive: true, force: true });
  }
}

function checkTarget(registry: string, repository: string, role: string): void {
  if (!REGISTRY_HOST.test(registry)) {
    throw new RegistryError(`${role} registry host ${JSON.stringify(registry)} is malformed`, { registry, kind: "user" });
  }
  if (!REPOSITORY.test(repository) || repository.length > 255) {
    throw new RegistryError(`${registry}: ${role} repository ${JSON.stringify(repository)} is not a valid repository name`, {
      registry,
      kind: "user",
    });
  }
}
