import { describe, expect, it } from "vitest";
import { sanitizeTag } from "@slipway/contracts";
import { internalRefs } from "./image-refs";
import { repositoryGitUrl } from "./repository-git-url";

describe("image refs", () => {
  it("tags are valid and capped", () => {
    expect(sanitizeTag("feature/login")).toBe("feature-login");
    expect(sanitizeTag("..x")).toBe("x");
    expect(sanitizeTag("y".repeat(200))).toHaveLength(128);
  });

  it("internal refs: keyed by GitHub repository id, immutable per attempt, cache per ref with the default branch as fallback", () => {
    const r = internalRefs({
      registry: "127.0.0.1:5000",
      githubId: 1296269n,
      buildId: "b1",
      attempt: 1,
      refType: "branch",
      refName: "feature/x",
      defaultBranch: "main",
    });
    expect(r).toEqual({
      image: "127.0.0.1:5000/github/1296269:build-b1",
      cacheTo: "127.0.0.1:5000/github/1296269/cache:branch-feature-x",
      cacheFrom: ["127.0.0.1:5000/github/1296269/cache:branch-feature-x", "127.0.0.1:5000/github/1296269/cache:branch-main"],
    });
    const again = internalRefs({
      registry: "127.0.0.1:5000",
      githubId: 1296269n,
      buildId: "b1",
      attempt: 2,
      refType: "branch",
      refName: "main",
      defaultBranch: "main",
    });
    expect(again.image).toBe("127.0.0.1:5000/github/1296269:build-b1-2");
    expect(again.cacheFrom).toEqual(["127.0.0.1:5000/github/1296269/cache:branch-main"]);
  });

  it("a pull request writes pr-<n> and reads its own, its base branch's, then the default branch's cache", () => {
    const r = internalRefs({
      registry: "r:5000",
      githubId: 7n,
      buildId: "b",
      attempt: 1,
      refType: "pull_request",
      refName: "feature/x",
      defaultBranch: "main",
      pullRequest: 12,
      baseRef: "release/1.x",
    });
    expect(r.cacheTo).toBe("r:5000/github/7/cache:pr-12");
    expect(r.cacheFrom).toEqual([
      "r:5000/github/7/cache:pr-12",
      "r:5000/github/7/cache:branch-release-1.x",
      "r:5000/github/7/cache:branch-main",
    ]);
    const onMain = internalRefs({
      registry: "r:5000",
      githubId: 7n,
      buildId: "b",
      attempt: 1,
      refType: "pull_request",
      refName: "x",
      defaultBranch: "main",
      pullRequest: 3,
      baseRef: "main",
    });
    expect(onMain.cacheFrom).toEqual(["r:5000/github/7/cache:pr-3", "r:5000/github/7/cache:branch-main"]);
  });
});

describe("repository git URL", () => {
  it("is the configured base plus owner/repo.git", () => {
    expect(repositoryGitUrl("https://github.com", "Codertocat/Hello-World")).toBe("https://github.com/Codertocat/Hello-World.git");
    expect(repositoryGitUrl("https://git.example.com/", "acme/web.app_v2")).toBe("https://git.example.com/acme/web.app_v2.git");
  });

  it("refuses names that could become a path, an option or another host", () => {
    for (const bad of [
      "../etc/passwd",
      "acme/..",
      "acme/.",
      "--upload-pack=x/y",
      "-x/y",
      "acme/we b",
      "acme/web/../../x",
      "acme",
      "a@evil.com/x",
      "acme/web;rm",
      "acme/web\n",
    ]) {
      expect(() => repositoryGitUrl("https://github.com", bad), bad).toThrow(/not owner\/repo/);
    }
  });
});
