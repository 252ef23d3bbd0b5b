import { describe, expect, it } from "vitest";
import { parseRetryAfter, retryDelayMs } from "../src/backoff";
import { parseImageRef } from "../src/index";
import { isLoopbackHost } from "../src/is-loopback-host";
import { parseWwwAuthenticate } from "../src/www-authenticate";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseImageRef", () => {
  it.each([
    ["127.0.0.1:5000/owner/repo", { registry: "127.0.0.1:5000", repository: "owner/repo" }],
    ["ghcr.io/owner/app:tag", { registry: "ghcr.io", repository: "owner/app", tag: "tag" }],
    [`host:5000/a/b@${DIGEST}`, { registry: "host:5000", repository: "a/b", digest: DIGEST }],
    [`localhost/a/b-c.d__e:v1.0@${DIGEST}`, { registry: "localhost", repository: "a/b-c.d__e", tag: "v1.0", digest: DIGEST }],
    ["[::1]:5000/app", { registry: "[::1]:5000", repository: "app" }],
  ])("parses %s", (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
  });

  // `docker tag`'s documented names: Docker Hub unless the first component looks like a host.
  it.each([
    ["fedora/httpd:version1.0", { registry: "docker.io", repository: "fedora/httpd", tag: "version1.0" }],
    ["httpd", { registry: "docker.io", repository: "library/httpd" }],
    ["httpd:test", { registry: "docker.io", repository: "library/httpd", tag: "test" }],
    ["fedora/httpd:version1.0.test", { registry: "docker.io", repository: "fedora/httpd", tag: "version1.0.test" }],
    ["myregistryhost:5000/fedora/httpd:version1.0", { registry: "myregistryhost:5000", repository: "fedora/httpd", tag: "version1.0" }],
    ["docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
    ["docker.io/owner/app:1", { registry: "docker.io", repository: "owner/app", tag: "1" }],
    ["index.docker.io/owner/app", { registry: "docker.io", repository: "owner/app" }],
    ["index.docker.io/busybox", { registry: "docker.io", repository: "library/busybox" }],
    // Docker Hub's API host and upper-case host names: one registry, one name.
    ["registry-1.docker.io/owner/app", { registry: "docker.io", repository: "owner/app" }],
    ["GHCR.io/owner/app", { registry: "ghcr.io", repository: "owner/app" }],
    ["localhost/app", { registry: "localhost", repository: "app" }],
    ["ghcr.io/app", { registry: "ghcr.io", repository: "app" }],
  ])("normalises %s as docker does", (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
  });

  it.each([
    ["Fedora/httpd", /repository "Fedora\/httpd" must be lower-case/],
    ["ghcr.io/Owner/app", /repository "Owner\/app" must be lower-case/],
    ["ghcr.io/owner/app:-bad", /tag "-bad" does not match/],
    ["ghcr.io/owner/app@sha256:123", /not a sha256 or sha512 digest/],
    ["ghcr.io/owner/app@nope", /is not algorithm:hex/],
    ["ghcr.io/", /missing repository/],
    ["", /empty/],
    ["gh_cr.io/app", /registry host "gh_cr.io" is malformed/],
    [" ghcr.io/app", /whitespace/],
  ])("rejects %j naming what is wrong", (ref, message) => {
    expect(() => parseImageRef(ref)).toThrow(message);
  });
});

describe("parseWwwAuthenticate", () => {
  it("keeps commas inside quoted values", () => {
    expect(
      parseWwwAuthenticate('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'),
    ).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
    });
  });
  it("reads Basic and ignores unknown schemes", () => {
    expect(parseWwwAuthenticate('Basic realm="test"')).toEqual({ scheme: "basic", params: { realm: "test" } });
    expect(parseWwwAuthenticate("Negotiate abc")).toBeUndefined();
    expect(parseWwwAuthenticate(null)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
  it("uses full jitter below the exponential ceiling and Retry-After as a floor", () => {
    for (let i = 0; i < 50; i++) {
      const d = retryDelayMs(3, 100, null);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(800);
      expect(retryDelayMs(0, 100, "2")).toBeGreaterThanOrEqual(2000);
    }
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost:5000", true],
    ["127.0.0.1:25001", true],
    ["127.1.2.3", true],
    ["[::1]:5000", true],
    ["ghcr.io", false],
    ["127.0.0.1.example.com", false],
    ["10.0.0.1:5000", false],
  ])("%s -> %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
