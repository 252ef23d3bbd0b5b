import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";

/** Where raw pushes go: a registry URL ("http://127.0.0.1:PORT") and repository, plus optional basic auth. */
export interface RawTarget {
  url: string;
  repository: string;
}

interface PushedBlob {
  digest: string;
  size: number;
  bytes: Buffer;
  mediaType: string;
}

export interface PushedManifest {
  digest: string;
  bytes: Buffer;
  mediaType: string;
  blobs: PushedBlob[];
}

export interface PushedIndex extends PushedManifest {
  children: PushedManifest[];
}

export const sha256 = (bytes: Buffer): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

const OCI = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar+gzip",
};
const DOCKER = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
};

/** A minimal ustar archive of regular files: enough for a valid image layer. */
function tarFiles(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(512);
    const put = (text: string, offset: number, length: number) => header.write(text, offset, length, "ascii");
    put(name, 0, 100);
    put("0000644\0", 100, 8);
    put("0000000\0", 108, 8);
    put("0000000\0", 116, 8);
    put(`${data.length.toString(8).padStart(11, "0")}\0`, 124, 12);
    put("00000000000\0", 136, 12);
    put("        ", 148, 8); // checksum is computed with this field as spaces
    put("0", 156, 1);
    put("ustar\0", 257, 6);
    put("00", 263, 2);
    const sum = header.reduce((acc, byte) => acc + byte, 0);
    put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

async function raw(t: RawTarget, method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  const url = path.startsWith("http") ? path : `${t.url}${path}`;
  return fetch(url, { method, headers, ...(init.body ? { body: init.body } : {}) });
}

/** Monolithic blob upload through the raw API: POST a session, PUT the bytes with ?digest=. */
async function pushBlob(t: RawTarget, bytes: Buffer, mediaType: string): Promise<PushedBlob> {
  const digest = sha256(bytes);
  const start = await raw(t, "POST", `/v2/${t.repository}/blobs/uploads/`);
  await start.body?.cancel();
  const location = start.headers.get("location");
  if (start.status !== 202 || !location) throw new Error(`blob upload POST answered ${start.status}`);
  const target = new URL(location, t.url).href;
  const put = await raw(t, "PUT", `${target}${target.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`, {
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
  if (put.status !== 201) throw new Error(`blob PUT answered ${put.status}: ${await put.text()}`);
  return { digest, size: bytes.length, bytes, mediaType };
}

/** PUTs a manifest by its own digest and returns that digest. */
async function pushManifest(t: RawTarget, bytes: Buffer, mediaType: string): Promise<string> {
  const digest = sha256(bytes);
  const res = await raw(t, "PUT", `/v2/${t.repository}/manifests/${digest}`, { headers: { "content-type": mediaType }, body: bytes });
  if (res.status !== 201) throw new Error(`manifest PUT ${digest} answered ${res.status}: ${await res.text()}`);
  return digest;
}

/**
 * A small valid image: one gzip'd tar layer (with `label` and random bytes inside, so each
 * test's blobs are its own), a config whose diff_ids match, and a manifest pushed by digest.
 */
export async function pushTestImage(
  t: RawTarget,
  label: string,
  format: "oci" | "docker" = "oci",
  randomSize = 2048,
): Promise<PushedManifest> {
  const types = format === "oci" ? OCI : DOCKER;
  const tar = tarFiles({ "hello.txt": `hello from ${label}\n`, "random.bin": randomBytes(randomSize) });
  const layer = await pushBlob(t, gzipSync(tar), types.layer);
  const config = await pushBlob(
    t,
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Cmd: ["/bin/sh"], Labels: { "test.label": label } },
        rootfs: { type: "layers", diff_ids: [sha256(tar)] },
        history: [{ created_by: `push-test-image ${label}` }],
      }),
    ),
    types.config,
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
  };
  // Pretty-printed on purpose: any re-serialisation by the copier would change the digest.
  const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
  const digest = await pushManifest(t, bytes, types.manifest);
  return { digest, bytes, mediaType: types.manifest, blobs: [config, layer] };
}

/**
 * An OCI index like buildx makes: a linux/amd64 image plus its attestation manifest
 * (in-toto layer, platform unknown/unknown, vnd.docker.reference.* annotations).
 */
export async function pushTestIndex(t: RawTarget, label: string): Promise<PushedIndex> {
  const image = await pushTestImage(t, label);
  const statement = await pushBlob(
    t,
    Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v0.1",
        subject: [{ name: label }],
        predicateType: "https://spdx.dev/Document",
      }),
    ),
    "application/vnd.in-toto+json",
  );
  const attConfig = await pushBlob(
    t,
    Buffer.from(
      JSON.stringify({ architecture: "unknown", os: "unknown", config: {}, rootfs: { type: "layers", diff_ids: [statement.digest] } }),
    ),
    OCI.config,
  );
  const attBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: attConfig.mediaType, digest: attConfig.digest, size: attConfig.size },
      layers: [
        {
          mediaType: statement.mediaType,
          digest: statement.digest,
          size: statement.size,
          annotations: { "in-toto.io/predicate-type": "https://spdx.dev/Document" },
        },
      ],
    }),
  );
  const attDigest = await pushManifest(t, attBytes, OCI.manifest);
  const attestation: PushedManifest = { digest: attDigest, bytes: attBytes, mediaType: OCI.manifest, blobs: [attConfig, statement] };

  const index = {
    schemaVersion: 2,
    mediaType: OCI.index,
    manifests: [
      { mediaType: OCI.manifest, digest: image.digest, size: image.bytes.length, platform: { architecture: "amd64", os: "linux" } },
      {
        mediaType: OCI.manifest,
        digest: attDigest,
        size: attBytes.length,
        annotations: { "vnd.docker.reference.digest": image.digest, "vnd.docker.reference.type": "attestation-manifest" },
        platform: { architecture: "unknown", os: "unknown" },
      },
    ],
  };
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = await pushManifest(t, bytes, OCI.index);
  return { digest, bytes, mediaType: OCI.index, blobs: [], children: [image, attestation] };
}
