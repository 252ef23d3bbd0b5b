import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError } from "../src/index";
import { pushTestImage, startRegistry, type TestRegistry } from "@slipway/testing";

const USER = "publisher";
const PASSWORD = "s3cret-Pa55word-xyzzy";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

let open: TestRegistry;
let locked: TestRegistry;

beforeAll(async () => {
  [open, locked] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { username: USER, password: PASSWORD } })]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
});

describe("basic auth (htpasswd registry)", () => {
  it("fails without credentials, and with a wrong password, as a user error that leaks nothing", async () => {
    const image = await pushTestImage({ url: open.url, repository: "owner/app" }, "auth-fail");
    const src = { registry: open.host, repository: "owner/app", digest: image.digest };
    const dst = { registry: locked.host, repository: "published/app" };

    const anonymous = await new RegistryClient({ backoffMs: 5 }).copyImage(src, dst, ["latest"]).catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(RegistryError);
    expect(anonymous).toMatchObject({ kind: "user", status: 401, registry: locked.host });
    expect((anonymous as Error).message).toContain("unauthorized (401)");
    expect((anonymous as Error).message).toContain(`no credentials configured for ${locked.host}`);
    // A tag lookup without credentials cannot tell: nothing there, as for a repository not made yet.
    expect(await new RegistryClient({ backoffMs: 5 }).manifestDigest(locked.host, "published/app", "latest")).toBeUndefined();

    const wrongPassword = "wrong-Pa55word-plugh";
    const wrong = await new RegistryClient({ backoffMs: 5, credentials: () => ({ username: USER, password: wrongPassword }) })
      .copyImage(src, dst, ["latest"])
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ kind: "user", status: 401 });
    for (const secret of [wrongPassword, PASSWORD, basic(USER, wrongPassword).slice(6)]) {
      expect((wrong as Error).message).not.toContain(secret);
      expect(JSON.stringify(wrong)).not.toContain(secret);
      expect(String((wrong as Error).stack)).not.toContain(secret);
    }
  });

  it("copies to and from the registry with credentials", async () => {
    const image = await pushTestImage({ url: open.url, repository: "owner/app" }, "auth-ok");
    const client = new RegistryClient({
      backoffMs: 5,
      credentials: (host) => (host === locked.host ? { username: USER, password: PASSWORD } : undefined),
    });
    const pushed = await client.copyImage(
      { registry: open.host, repository: "owner/app", digest: image.digest },
      { registry: locked.host, repository: "published/app" },
      ["v1"],
    );
    expect(pushed).toMatchObject({ digest: image.digest, blobsCopied: 2 });
    const res = await fetch(`${locked.url}/v2/published/app/manifests/v1`, {
      headers: { accept: image.mediaType, authorization: basic(USER, PASSWORD) },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(image.bytes)).toBe(true);

    // And back out: the locked registry as the source.
    const pulled = await client.copyImage(
      { registry: locked.host, repository: "published/app", digest: image.digest },
      { registry: open.host, repository: "mirror/app" },
      ["v1"],
    );
    expect(pulled).toMatchObject({ digest: image.digest, blobsCopied: 2 });
  });
});
