import { describe, expect, it } from "vitest";
import { internalRefs, repositoryPath, sanitizeTag } from "./image-refs";

describe("image refs", () => {
  it("lowercases valid names and leaves them readable", () => {
    expect(repositoryPath("Codertocat/Hello-World")).toBe("codertocat/hello-world");
    expect(repositoryPath("acme/web.app_v2")).toBe("acme/web.app_v2");
  });

  it("cleans names the OCI grammar rejects, keeping them apart with a hash", () => {
    const a = repositoryPath("acme/.github");
    const b = repositoryPath("acme/github-");
    expect(a).toMatch(/^acme\/github-[0-9a-f]{6}$/);
    expect(b).toMatch(/^acme\/github-[0-9a-f]{6}$/);
    expect(a).not.toBe(b);
    expect(repositoryPath("acme/_tools")).toMatch(/^acme\/tools-[0-9a-f]{6}$/);
    expect(repositoryPath("acme/a..b")).toMatch(/^acme\/a-b-[0-9a-f]{6}$/);
    for (const p of [a, b, repositoryPath("-x-/__")]) for (const part of p.split("/")) expect(part).toMatch(/^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/);
  });

  it("tags are valid and capped", () => {
    expect(sanitizeTag("feature/login")).toBe("feature-login");
    expect(sanitizeTag("..x")).toBe("x");
    expect(sanitizeTag("y".repeat(200))).toHaveLength(128);
  });

  it("internal refs: immutable per attempt, cache per ref with the default branch as fallback", () => {
    const r = internalRefs({ registry: "127.0.0.1:5000", fullName: "Acme/Web", buildId: "b1", attempt: 1, refType: "branch", refName: "feature/x", defaultBranch: "main" });
    expect(r).toEqual({
      image: "127.0.0.1:5000/acme/web:build-b1",
      cacheTo: "127.0.0.1:5000/cache/acme/web:branch-feature-x",
      cacheFrom: ["127.0.0.1:5000/cache/acme/web:branch-feature-x", "127.0.0.1:5000/cache/acme/web:branch-main"],
    });
    const again = internalRefs({ registry: "127.0.0.1:5000", fullName: "Acme/Web", buildId: "b1", attempt: 2, refType: "branch", refName: "main", defaultBranch: "main" });
    expect(again.image).toBe("127.0.0.1:5000/acme/web:build-b1-2");
    expect(again.cacheFrom).toEqual(["127.0.0.1:5000/cache/acme/web:branch-main"]);
  });
});
