import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { retryDelayMs, sleep } from "./backoff";
import { RegistryError } from "./registry-error";
import type { RegistryTransport } from "./registry-transport";

export interface BlobSource {
  registry: string;
  repository: string;
  digest: string;
  /** Size from the manifest's descriptor, checked against what arrives. */
  size?: number;
}

/**
 * Streams a blob from the source registry into `path`, hashing as it goes, and refuses it
 * unless the bytes hash to the digest (and match the descriptor's size). Spooling to disk
 * instead of piping straight into the upload means a corrupted blob never reaches the
 * target, memory stays flat for multi-GB layers, and the upload can be replayed on retry.
 */
export async function downloadBlob(transport: RegistryTransport, src: BlobSource, path: string): Promise<number> {
  const [algorithm = "sha256", expected = ""] = src.digest.split(":");
  const label = `${src.registry}/${src.repository}: blob ${src.digest}`;
  const { retries, backoffMs } = transport.options;
  for (let attempt = 0; ; attempt++) {
    const res = await transport.request({
      registry: src.registry,
      repository: src.repository,
      what: `blob ${src.digest}`,
      method: "GET",
      url: `/v2/${src.repository}/blobs/${src.digest}`,
      scopes: [`repository:${src.repository}:pull`],
    });
    if (!res.body) throw new RegistryError(`${label} came with no body`, { registry: src.registry, kind: "infrastructure" });
    const hash = createHash(algorithm);
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as NodeWebReadableStream<Uint8Array>), measure, createWriteStream(path));
    } catch (err) {
      // The connection broke mid-blob: start the download over, within the same retry budget.
      if (attempt < retries) {
        await sleep(retryDelayMs(attempt, backoffMs, null));
        continue;
      }
      throw new RegistryError(`${label} download failed: ${err instanceof Error ? err.message : String(err)}`, {
        registry: src.registry,
        kind: "infrastructure",
        cause: err,
      });
    }
    const actual = hash.digest("hex");
    if (actual !== expected) {
      throw new RegistryError(`${label} is corrupt: its content hashes to ${algorithm}:${actual}; refusing to copy it`, {
        registry: src.registry,
        kind: "infrastructure",
      });
    }
    if (src.size !== undefined && src.size !== size) {
      throw new RegistryError(`${label} is ${size} bytes but the manifest says ${src.size}; refusing to copy it`, {
        registry: src.registry,
        kind: "infrastructure",
      });
    }
    return size;
  }
}
