import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { downloadBlob } from "./download-blob";
import { RegistryError } from "./registry-error";
import { discard, type RegistryTransport } from "./registry-transport";

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
  const push = `repository:${dst.repository}:pull,push`;

  const head = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: `blob ${digest}`,
    method: "HEAD",
    url: `/v2/${dst.repository}/blobs/${digest}`,
    scopes: [push],
    allow: [404],
  });
  await discard(head);
  if (head.ok) return "skipped";

  const mountable = src.registry.toLowerCase() === dst.registry.toLowerCase() && src.repository !== dst.repository;
  const start = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: mountable ? `mount of blob ${digest} from ${src.repository}` : `upload of blob ${digest}`,
    method: "POST",
    url: mountable
      ? `/v2/${dst.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(src.repository)}`
      : `/v2/${dst.repository}/blobs/uploads/`,
    // The mount reads the source repository, so the token must cover pulling from it too.
    scopes: mountable ? [push, `repository:${src.repository}:pull`] : [push],
  });
  await discard(start);
  if (mountable && start.status === 201) return "mounted";
  // 202: no mount (or none asked for); the answer carries the upload session to use.
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) {
    throw new RegistryError(
      `${dst.registry}/${dst.repository}: upload of blob ${digest} did not start an upload session (status ${start.status}${location ? "" : ", no Location"})`,
      { registry: dst.registry, status: start.status, kind: "infrastructure" },
    );
  }

  const path = join(copy.spoolDir, digest.replace(":", "-"));
  const size = await downloadBlob(transport, { ...src, digest, ...(copy.size === undefined ? {} : { size: copy.size }) }, path);

  // The Location may be relative and usually already has a query (_state=…): append to it
  // as text, because re-serialising it through URLSearchParams could re-encode the state.
  const session = transport.resolve(dst.registry, location).href;
  const target = `${session}${session.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`;
  try {
    return await upload(transport, dst, digest, target, path, size);
  } finally {
    await rm(path, { force: true });
  }
}

async function upload(
  transport: RegistryTransport,
  dst: BlobCopy["dst"],
  digest: string,
  target: string,
  path: string,
  size: number,
): Promise<BlobOutcome> {
  const push = `repository:${dst.repository}:pull,push`;
  const put = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: `upload of blob ${digest}`,
    method: "PUT",
    url: target,
    headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    body: () => Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>,
    scopes: [push],
  });
  await discard(put);
  const stored = put.headers.get("docker-content-digest");
  if (stored && stored !== digest) {
    throw new RegistryError(`${dst.registry}/${dst.repository}: registry stored blob ${digest} as ${stored}`, {
      registry: dst.registry,
      kind: "infrastructure",
    });
  }
  return "copied";
}
