import { RegistryError } from "./registry-error";
import { discard, type RegistryTransport } from "./registry-transport";

interface Target {
  registry: string;
  repository: string;
}

/** Whether the target repository has the blob already (HEAD). */
export async function hasBlob(transport: RegistryTransport, dst: Target, digest: string): Promise<boolean> {
  const head = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: `blob ${digest}`,
    method: "HEAD",
    url: `/v2/${dst.repository}/blobs/${digest}`,
    scopes: [`repository:${dst.repository}:pull,push`],
    allow: [404],
  });
  await discard(head);
  return head.ok;
}

/**
 * POST /blobs/uploads/: "mounted" when the registry linked the blob from `mountFrom` (same
 * registry), else the upload session's URL, ready for the PUT of the blob.
 */
export async function startUpload(
  transport: RegistryTransport,
  dst: Target,
  digest: string,
  mountFrom?: string,
): Promise<"mounted" | string> {
  const push = `repository:${dst.repository}:pull,push`;
  const start = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: mountFrom ? `mount of blob ${digest} from ${mountFrom}` : `upload of blob ${digest}`,
    method: "POST",
    url: mountFrom
      ? `/v2/${dst.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`
      : `/v2/${dst.repository}/blobs/uploads/`,
    // The mount reads the source repository, so the token must cover pulling from it too.
    scopes: mountFrom ? [push, `repository:${mountFrom}:pull`] : [push],
  });
  await discard(start);
  if (mountFrom && start.status === 201) return "mounted";
  // 202: no mount (or none asked for); the answer carries the upload session to use.
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) {
    throw new RegistryError(
      `${dst.registry}/${dst.repository}: upload of blob ${digest} did not start an upload session (status ${start.status}${location ? "" : ", no Location"})`,
      { registry: dst.registry, status: start.status, kind: "infrastructure" },
    );
  }
  // The Location may be relative and usually already has a query (_state=…): append to it
  // as text, because re-serialising it through URLSearchParams could re-encode the state.
  const session = transport.resolve(dst.registry, location).href;
  return `${session}${session.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`;
}

/** The monolithic PUT that ends an upload session; checks the digest the registry says it stored. */
export async function finishUpload(
  transport: RegistryTransport,
  dst: Target,
  digest: string,
  session: string,
  size: number,
  body: () => NonNullable<RequestInit["body"]>,
): Promise<void> {
  const put = await transport.request({
    registry: dst.registry,
    repository: dst.repository,
    what: `upload of blob ${digest}`,
    method: "PUT",
    url: session,
    headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    body,
    scopes: [`repository:${dst.repository}:pull,push`],
  });
  await discard(put);
  const stored = put.headers.get("docker-content-digest");
  if (stored && stored !== digest) {
    throw new RegistryError(`${dst.registry}/${dst.repository}: registry stored blob ${digest} as ${stored}`, {
      registry: dst.registry,
      kind: "infrastructure",
    });
  }
}
