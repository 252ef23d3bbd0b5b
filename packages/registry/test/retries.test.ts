import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError } from "../src/index";
import { freePort, startFlakyProxy, type FlakyProxy, startRegistry, type TestRegistry, pushTestImage } from "@slipway/testing";

let a: TestRegistry;
let b: TestRegistry;
const proxies: FlakyProxy[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([...proxies.map((p) => p.close()), a?.stop(), b?.stop()]);
});

const isManifestPut = (r: { method: string; path: string }) => r.method === "PUT" && r.path.includes("/manifests/");

describe("retries", () => {
  it("retries a manifest PUT answered 503 with Retry-After, waiting as told", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/retry" }, "retry");
    const proxy = await startFlakyProxy(b.host, (req, seen) =>
      isManifestPut(req) && seen.filter(isManifestPut).length < 2 ? { status: 503, headers: { "retry-after": "1" } } : undefined,
    );
    proxies.push(proxy);
    const client = new RegistryClient({ retries: 4, backoffMs: 10 });
    const result = await client.copyImage(
      { registry: a.host, repository: "owner/retry", digest: image.digest },
      { registry: proxy.host, repository: "published/retry" },
      ["latest"],
    );
    expect(result.digest).toBe(image.digest);

    const puts = proxy.log.filter(isManifestPut);
    // by digest: 503, 503, 201; then the tag: 201
    expect(puts.map((p) => p.injected)).toEqual([503, 503, undefined, undefined]);
    const [first, second, third] = puts;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(950);
    const direct = await fetch(`${b.url}/v2/published/retry/manifests/latest`, { headers: { accept: image.mediaType } });
    expect(Buffer.from(await direct.arrayBuffer()).equals(image.bytes)).toBe(true);
  });

  it("gives up after the retries with an infrastructure error when the registry keeps failing", async () => {
    const image = await pushTestImage({ url: a.url, repository: "owner/down" }, "down");
    const proxy = await startFlakyProxy(b.host, () => ({ status: 500 }));
    proxies.push(proxy);
    const client = new RegistryClient({ retries: 2, backoffMs: 5 });
    const err = await client
      .copyImage(
        { registry: a.host, repository: "owner/down", digest: image.digest },
        { registry: proxy.host, repository: "published/down" },
        ["latest"],
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: "infrastructure", status: 500, registry: proxy.host });
    expect((err as Error).message).toMatch(/published\/down: blob sha256:[0-9a-f]{64} failed with a server error \(500\) after 3 attempts/);
    // The blob HEAD probes (run in parallel) were each tried 1 + 2 times; nothing was uploaded.
    const perPath = new Map<string, number>();
    for (const r of proxy.log) perPath.set(`${r.method} ${r.path}`, (perPath.get(`${r.method} ${r.path}`) ?? 0) + 1);
    expect([...perPath.keys()].every((k) => k.startsWith("HEAD /v2/published/down/blobs/"))).toBe(true);
    expect([...perPath.values()].every((n) => n === 3)).toBe(true);
  });

  it("reports an unreachable registry as an infrastructure error", async () => {
    const nobody = `127.0.0.1:${await freePort()}`;
    const client = new RegistryClient({ retries: 1, backoffMs: 5 });
    const err = await client.getManifest(nobody, "owner/app", "latest").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ kind: "infrastructure", registry: nobody });
    expect((err as Error).message).toContain("ECONNREFUSED");
  });
});
