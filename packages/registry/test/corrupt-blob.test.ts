import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError } from "../src/index";
import { startFlakyProxy, type FlakyProxy, startRegistry, type TestRegistry, pushTestImage } from "@slipway/testing";

let a: TestRegistry;
let b: TestRegistry;
let proxy: FlakyProxy;

beforeAll(async () => {
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
  // The source serves blobs whose bytes do not match their digest (same length, one byte off).
  proxy = await startFlakyProxy(a.host, (req) => {
    if (req.method !== "GET" || !req.path.includes("/blobs/sha256:")) return undefined;
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body: Buffer.from("corrupted") };
  });
});
afterAll(async () => {
  await Promise.all([proxy?.close(), a?.stop(), b?.stop()]);
});

describe("source verification", () => {
  it("refuses a blob whose bytes do not hash to its digest, and uploads nothing of it", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/app" }, "corrupt");
    const err = await new RegistryClient({ backoffMs: 5 })
      .copyImage(
        { registry: proxy.host, repository: "owner/app", digest: image.digest },
        { registry: b.host, repository: "published/app" },
        ["v1"],
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: "infrastructure", registry: proxy.host });
    expect((err as Error).message).toMatch(
      /blob sha256:[0-9a-f]{64} is corrupt: its content hashes to sha256:[0-9a-f]{64}; refusing to copy it/,
    );
    for (const blob of image.blobs) {
      expect((await fetch(`${b.url}/v2/published/app/blobs/${blob.digest}`, { method: "HEAD" })).status).toBe(404);
    }
    expect((await fetch(`${b.url}/v2/published/app/manifests/v1`, { method: "HEAD" })).status).toBe(404);
  });
});
