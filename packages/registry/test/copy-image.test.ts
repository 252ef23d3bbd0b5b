import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError } from "../src/index";
import { pushTestImage, pushTestIndex, sha256, startRegistry, type TestRegistry } from "@slipway/testing";

let a: TestRegistry;
let b: TestRegistry;
const client = new RegistryClient({ backoffMs: 10 });

beforeAll(async () => {
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function get(url: string, accept?: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const res = await fetch(url, accept ? { headers: { accept } } : {});
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

const ACCEPT_ALL = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

describe("copyImage between two registries", () => {
  it("copies a single-manifest image with three tags, byte for byte", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/app" }, "single");
    const result = await client.copyImage(
      { registry: a.host, repository: "owner/app", digest: image.digest },
      { registry: b.host, repository: "published/app" },
      ["latest", "v1.2.3", "sha-abc123"],
    );
    expect(result).toEqual({ digest: image.digest, blobsCopied: 2, blobsSkipped: 0, blobsMounted: 0 });

    for (const tag of ["latest", "v1.2.3", "sha-abc123"]) {
      const got = await get(`${b.url}/v2/published/app/manifests/${tag}`, ACCEPT_ALL);
      expect(got.status).toBe(200);
      expect(got.headers.get("docker-content-digest")).toBe(image.digest);
      expect(got.headers.get("content-type")).toBe(image.mediaType);
      expect(got.bytes.equals(image.bytes)).toBe(true);
    }
    for (const blob of image.blobs) {
      const got = await get(`${b.url}/v2/published/app/blobs/${blob.digest}`);
      expect(got.status).toBe(200);
      expect(sha256(got.bytes)).toBe(blob.digest);
    }
    const viaClient = await client.getManifest(b.host, "published/app", "v1.2.3");
    expect(viaClient).toEqual({ bytes: image.bytes, mediaType: image.mediaType, digest: image.digest });
    // What a tag points at, without the body: the digest, or nothing for a tag or repository not there.
    expect(await client.manifestDigest(b.host, "published/app", "v1.2.3")).toBe(image.digest);
    expect(await client.manifestDigest(b.host, "published/app", "v9.9.9")).toBeUndefined();
    expect(await client.manifestDigest(b.host, "published/none", "v1.2.3")).toBeUndefined();
  });

  it("copies an index with its image and attestation manifests, keeping every digest", async () => {
    const index = await pushTestIndex({ url: a.url, repository: "owner/multi" }, "index");
    const result = await client.copyImage(
      { registry: a.host, repository: "owner/multi", digest: index.digest },
      { registry: b.host, repository: "published/multi" },
      ["latest"],
    );
    expect(result.digest).toBe(index.digest);
    expect(result.blobsCopied).toBe(4);

    const top = await get(`${b.url}/v2/published/multi/manifests/latest`, ACCEPT_ALL);
    expect(top.headers.get("docker-content-digest")).toBe(index.digest);
    expect(top.bytes.equals(index.bytes)).toBe(true);
    for (const child of index.children) {
      const got = await get(`${b.url}/v2/published/multi/manifests/${child.digest}`, ACCEPT_ALL);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(child.bytes)).toBe(true);
      for (const blob of child.blobs) {
        const blobRes = await get(`${b.url}/v2/published/multi/blobs/${blob.digest}`);
        expect(sha256(blobRes.bytes)).toBe(blob.digest);
      }
    }
  });

  it("streams a multi-megabyte layer through the spool and keeps its digest", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/big" }, "big", "oci", 12 * 1024 * 1024);
    const result = await client.copyImage(
      { registry: a.host, repository: "owner/big", digest: image.digest },
      { registry: b.host, repository: "published/big" },
      ["latest"],
    );
    expect(result).toMatchObject({ digest: image.digest, blobsCopied: 2 });
    const layer = image.blobs[1]!;
    const got = await get(`${b.url}/v2/published/big/blobs/${layer.digest}`);
    expect(got.bytes.length).toBe(layer.size);
    expect(sha256(got.bytes)).toBe(layer.digest);
  });

  it("skips every blob when the image is copied again (Docker v2 manifest)", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/again" }, "again", "docker");
    const src = { registry: a.host, repository: "owner/again", digest: image.digest };
    const dst = { registry: b.host, repository: "published/again" };
    const first = await client.copyImage(src, dst, ["v1"]);
    expect(first).toMatchObject({ blobsCopied: 2, blobsSkipped: 0 });
    const second = await client.copyImage(src, dst, ["v1", "v2"]);
    expect(second).toEqual({ digest: image.digest, blobsCopied: 0, blobsSkipped: 2, blobsMounted: 0 });
    const v2 = await get(`${b.url}/v2/published/again/manifests/v2`, ACCEPT_ALL);
    expect(v2.headers.get("content-type")).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(v2.bytes.equals(image.bytes)).toBe(true);
  });

  it("mounts blobs across repositories of the same registry", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/mount-src" }, "mount");
    const result = await client.copyImage(
      { registry: a.host, repository: "owner/mount-src", digest: image.digest },
      { registry: a.host, repository: "published/mount-dst" },
      ["latest"],
    );
    expect(result).toEqual({ digest: image.digest, blobsCopied: 0, blobsSkipped: 0, blobsMounted: 2 });
    const got = await get(`${a.url}/v2/published/mount-dst/manifests/latest`, ACCEPT_ALL);
    expect(got.bytes.equals(image.bytes)).toBe(true);
  });

  it.each(["-bad", ":x", "a".repeat(129), "has space", ""])("rejects tag %j before pushing anything", async (tag) => {
    const image = await pushTestImage({ url: a.url, repository: "owner/badtag" }, `badtag-${tag}`);
    const repository = `published/badtag-${Math.random().toString(36).slice(2)}`;
    const err = await client
      .copyImage({ registry: a.host, repository: "owner/badtag", digest: image.digest }, { registry: b.host, repository }, ["ok", tag])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).kind).toBe("user");
    expect((err as RegistryError).message).toContain(JSON.stringify(tag));
    const tags = await get(`${b.url}/v2/${repository}/tags/list`);
    expect(tags.status).toBe(404); // the repository was never created: no blob, no manifest
    for (const blob of image.blobs) expect((await get(`${b.url}/v2/${repository}/blobs/${blob.digest}`)).status).toBe(404);
  });

  it("reports a missing source digest as a user error naming the 404", async () => {
    const missing = sha256(Buffer.from("no such manifest"));
    const err = await client
      .copyImage({ registry: a.host, repository: "owner/app", digest: missing }, { registry: b.host, repository: "published/missing" }, [
        "latest",
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: "user", status: 404, registry: a.host });
    expect((err as Error).message).toContain(`${a.host}/owner/app: manifest ${missing} not found (404)`);
    expect((err as Error).message).toContain("MANIFEST_UNKNOWN");
  });
});
