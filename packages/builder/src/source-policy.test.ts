import { describe, expect, it } from "vitest";
import { sourcePolicy } from "./source-policy";

// BuildKit's WILDCARD: `*` matches any run of characters, anchored at both ends.
const denies = (url: string) =>
  sourcePolicy().rules.some((r) =>
    new RegExp(`^${r.selector.identifier.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(url),
  );

describe("the source policy for BuildKit's own fetches", () => {
  it.each([
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/role",
    "http://127.0.0.1:5000/v2/_catalog",
    "https://10.0.0.5/internal",
    "http://172.20.1.1/",
    "http://192.168.1.1/admin",
    "http://localhost:8080/healthz",
    "http://user:pw@127.0.0.1/",
    "http://[::1]:8080/",
    "git://10.1.2.3/repo.git",
    "http://0.0.0.0:15432/",
  ])("denies %s", (url) => expect(denies(url)).toBe(true));

  it.each([
    "https://deb.debian.org/debian/dists/bookworm/Release",
    "https://registry.npmjs.org/react",
    "http://172.15.0.1/",
    "http://172.32.0.1/",
    "https://github.com/acme/web.git",
  ])("allows %s", (url) => expect(denies(url)).toBe(false));
});
