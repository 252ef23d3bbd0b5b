import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type TestRegistry, pushTestImage } from "@slipway/testing";
import { RegistryClient, RegistryError } from "../src/index";

let reg: TestRegistry;
const client = new RegistryClient({ backoffMs: 10 });

beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.stop();
});

const ACCEPT = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";
const status = async (path: string) => (await fetch(`${reg.url}${path}`, { headers: { accept: ACCEPT } })).status;

/** Puts the same manifest bytes under several tags (what two identical builds leave behind). */
async function tagAll(repository: string, bytes: Buffer, mediaType: string, tags: string[]): Promise<void> {
  for (const tag of tags) {
    const res = await fetch(`${reg.url}/v2/${repository}/manifests/${tag}`, {
      method: "PUT",
      headers: { "content-type": mediaType },
      body: bytes,
    });
    expect(res.status).toBe(201);
  }
}

describe("removing tags and manifests", () => {
  it("removeTag takes one tag away and leaves the other tags on the same digest and the manifest itself", async () => {
    const image = await pushTestImage({ url: reg.url, repository: "owner/shared" }, "shared");
    await tagAll("owner/shared", image.bytes, image.mediaType, ["build-a", "build-b", "branch-main"]);

    expect(await client.removeTag(reg.host, "owner/shared", "build-a")).toBe(image.digest);

    expect(await status("/v2/owner/shared/manifests/build-a")).toBe(404);
    expect(await status("/v2/owner/shared/manifests/build-b")).toBe(200);
    expect(await status("/v2/owner/shared/manifests/branch-main")).toBe(200);
    expect(await status(`/v2/owner/shared/manifests/${image.digest}`)).toBe(200);
    expect((await client.listTags(reg.host, "owner/shared")).sort()).toEqual(["branch-main", "build-b"]);
    // Gone already: nothing to do, no error.
    expect(await client.removeTag(reg.host, "owner/shared", "build-a")).toBeUndefined();
  });

  it("deleteManifest removes the digest with every tag on it; a second delete answers false", async () => {
    const image = await pushTestImage({ url: reg.url, repository: "owner/gone" }, "gone");
    const other = await pushTestImage({ url: reg.url, repository: "owner/gone" }, "kept");
    await tagAll("owner/gone", image.bytes, image.mediaType, ["build-1", "build-2"]);
    await tagAll("owner/gone", other.bytes, other.mediaType, ["build-3"]);

    expect(await client.deleteManifest(reg.host, "owner/gone", image.digest)).toBe(true);

    expect(await status(`/v2/owner/gone/manifests/${image.digest}`)).toBe(404);
    expect(await status("/v2/owner/gone/manifests/build-1")).toBe(404);
    expect(await client.listTags(reg.host, "owner/gone")).toEqual(["build-3"]);
    expect(await client.deleteManifest(reg.host, "owner/gone", image.digest)).toBe(false);
  });

  it("lists tags across pages and answers [] for a repository that does not exist", async () => {
    const image = await pushTestImage({ url: reg.url, repository: "owner/many" }, "many");
    const tags = Array.from({ length: 1005 }, (_, i) => `t${String(i).padStart(4, "0")}`);
    // Tag in parallel batches: a thousand sequential PUTs would dominate the test's time.
    for (let i = 0; i < tags.length; i += 100)
      await Promise.all(tags.slice(i, i + 100).map((t) => tagAll("owner/many", image.bytes, image.mediaType, [t])));
    expect((await client.listTags(reg.host, "owner/many")).sort()).toEqual(tags);
    expect(await client.listTags(reg.host, "owner/never-pushed")).toEqual([]);
  });

  it("refuses a tag where a digest is needed, and the reverse, before sending anything", async () => {
    await expect(client.deleteManifest(reg.host, "owner/x", "latest")).rejects.toBeInstanceOf(RegistryError);
    await expect(client.removeTag(reg.host, "owner/x", `sha256:${"a".repeat(64)}`)).rejects.toThrow(/is a digest, not a tag/);
    await expect(client.listTags(reg.host, "Owner/X")).rejects.toThrow(/not a valid repository name/);
  });
});
