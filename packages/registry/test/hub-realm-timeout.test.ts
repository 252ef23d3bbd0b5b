// Docker Hub's API host, https-only token realms, and a time limit on every request. Docker
// Hub itself is out of reach here: where a request would leave the machine, the client's fetch
// is wrapped so that it records the URL and refuses anything but loopback.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError, registryApiHost } from "../src/index";

const seen: string[] = [];
const loopbackOnly: typeof fetch = async (input, init) => {
  const url = new URL(String(input instanceof Request ? input.url : input));
  seen.push(url.toString());
  if (url.hostname !== "127.0.0.1") throw new TypeError(`test refused a request to ${url.host}`);
  return fetch(input, init);
};

let challenging: http.Server;
let silent: http.Server;
const portOf = (s: http.Server) => (s.address() as AddressInfo).port;
beforeAll(async () => {
  // A registry stand-in whose bearer realm is plain http on another host.
  challenging = http.createServer((_req, res) =>
    res.writeHead(401, { "www-authenticate": 'Bearer realm="http://auth.example.com/token",service="x"' }).end(),
  );
  // A registry that accepts connections and never answers.
  silent = http.createServer(() => {});
  await Promise.all([challenging, silent].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
});
afterAll(async () => {
  for (const s of [challenging, silent]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe("Docker Hub", () => {
  it("docker.io is served by registry-1.docker.io", async () => {
    expect(registryApiHost("docker.io")).toBe("registry-1.docker.io");
    expect(registryApiHost("ghcr.io")).toBe("ghcr.io");
    const err = await new RegistryClient({ retries: 0, fetch: loopbackOnly })
      .getManifest("docker.io", "library/busybox", "1")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(seen.at(-1)).toBe("https://registry-1.docker.io/v2/library/busybox/manifests/1");
  });
});

describe("bearer realms", () => {
  it("credentials are never sent to a realm that is not https (loopback excepted)", async () => {
    const host = `127.0.0.1:${portOf(challenging)}`;
    const before = seen.length;
    const err = await new RegistryClient({ retries: 0, fetch: loopbackOnly, credentials: () => ({ username: "u", password: "secret-pw" }) })
      .getManifest(host, "owner/app", "1")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toContain("bearer realm http://auth.example.com is not https");
    expect((err as RegistryError).kind).toBe("user");
    expect(seen.slice(before).every((u) => new URL(u).hostname === "127.0.0.1")).toBe(true);
  });
});

describe("timeouts", () => {
  it("a registry that never answers fails the request after timeoutMs (and its retries)", async () => {
    const host = `127.0.0.1:${portOf(silent)}`;
    const err = await new RegistryClient({ retries: 1, backoffMs: 10, timeoutMs: 300 })
      .getManifest(host, "owner/app", "1")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toMatch(/network error .*\(after 2 attempts\)/);
    expect((err as RegistryError).kind).toBe("infrastructure");
  });
});
