import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { downloadBlob } from "./download-blob";
import { finishUpload, hasBlob, startUpload } from "./blob-upload";
import type { RegistryTransport } from "./registry-transport";

export interface BlobCopy {
  src: { registry: string; repository: string };
  dst: { registry: string; repository: string };
  digest: string;
  size?: number;
  /** Directory for spooled blobs; removed by the caller. */
  spoolDir: string;
}

export type BlobOutcome = "copied" | "skipped" | "mounted";

/**
 * Gets one blob into the target repository by the cheapest way that works: it is already
 * there (HEAD), the registry can link it from the source repository (cross-repo mount, same
 * host only), or we download it, verify it and upload it monolithically.
 */
export async function copyBlob(transport: RegistryTransport, copy: BlobCopy): Promise<BlobOutcome> {
  const { src, dst, digest } = copy;
  if (await hasBlob(transport, dst, digest)) return "skipped";
  const mountable = src.registry.toLowerCase() === dst.registry.toLowerCase() && src.repository !== dst.repository;
  const session = await startUpload(transport, dst, digest, mountable ? src.repository : undefined);
  if (session === "mounted") return "mounted";

  const path = join(copy.spoolDir, digest.replace(":", "-"));
  const size = await downloadBlob(transport, { ...src, digest, ...(copy.size === undefined ? {} : { size: copy.size }) }, path);
  try {
    await finishUpload(
      transport,
      dst,
      digest,
      session,
      size,
      () => Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>,
    );
    return "copied";
  } finally {
    await rm(path, { force: true });
  }
}
