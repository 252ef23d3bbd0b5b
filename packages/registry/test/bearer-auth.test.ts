import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError } from "../src/index";
import { pushTestImage, startRegistry, type TestRegistry, startTokenServer, type TokenServer } from "@slipway/testing";

const USER = { username: "publisher", password: "t0ken-Pa55word-frotz" };
const dir = mkdtempSync(join(tmpdir(), "slipway-registry-token-"));
let open: TestRegistry;
let secured: TestRegistry;
let tokens: TokenServer;

beforeAll(async () => {
  tokens = await startTokenServer(dir, USER);
  [open, secured] = await Promise.all([startRegistry(), startRegistry({ authYaml: tokens.authYaml })]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop(), tokens?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("bearer token auth (token-server registry)", () => {
  it("anonymous tokens are not enough: a user error, no secrets in it", async () => {
    const image = await pushTestImage({ url: open.url, repository: "owner/app" }, "bearer-anon");
    const err = await new RegistryClient({ backoffMs: 5 })
      .copyImage(
        { registry: open.host, repository: "owner/app", digest: image.digest },
        { registry: secured.host, repository: "published/app" },
        ["v1"],
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: "user", status: 401 });
    expect(tokens.requests.some((r) => r.user === undefined)).toBe(true);
  });

  it("gets, caches and reuses tokens scoped to the copy, including the mount source", async () => {
    const image = await pushTestImage({ url: open.url, repository: "owner/app" }, "bearer-ok");
    const client = new RegistryClient({ backoffMs: 5, credentials: (host) => (host === secured.host ? USER : undefined) });
    tokens.requests.length = 0;
    const pushed = await client.copyImage(
      { registry: open.host, repository: "owner/app", digest: image.digest },
      { registry: secured.host, repository: "published/app" },
      ["v1", "v2"],
    );
    expect(pushed).toMatchObject({ digest: image.digest, blobsCopied: 2 });
    expect(tokens.requests).toEqual([
      { scopes: ["repository:published/app:pull,push"], service: "slipway-test-registry", user: USER.username },
    ]);

    // Same host: mount from published/app into another repository with a token for both.
    const mounted = await client.copyImage(
      { registry: secured.host, repository: "published/app", digest: image.digest },
      { registry: secured.host, repository: "published/other" },
      ["v1"],
    );
    expect(mounted).toMatchObject({ digest: image.digest, blobsMounted: 2, blobsCopied: 0 });
    expect(tokens.requests.map((r) => r.scopes)).toContainEqual(["repository:published/app:pull", "repository:published/other:pull,push"]);

    // Copying again reuses the cached tokens: not one more token request.
    const before = tokens.requests.length;
    const again = await client.copyImage(
      { registry: open.host, repository: "owner/app", digest: image.digest },
      { registry: secured.host, repository: "published/app" },
      ["v3"],
    );
    expect(again).toMatchObject({ blobsSkipped: 2, blobsCopied: 0 });
    expect(tokens.requests.length).toBe(before);

    const manifest = await client.getManifest(secured.host, "published/app", "v3");
    expect(manifest.bytes.equals(image.bytes)).toBe(true);
    // A tag's digest behind token auth; nothing there (404) and unreadable (anonymous: 401) alike answer undefined.
    expect(await client.manifestDigest(secured.host, "published/app", "v3")).toBe(image.digest);
    expect(await client.manifestDigest(secured.host, "published/app", "v404")).toBeUndefined();
    expect(await new RegistryClient({ backoffMs: 5 }).manifestDigest(secured.host, "published/app", "v3")).toBeUndefined();
  });
});
