import { describe, expect, it } from "vitest";
import { defaultTags, tagMove } from "./default-tags";

const sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const tags = (refType: "branch" | "tag", refName: string, defaultBranch: string | null = "main") =>
  defaultTags({ refType, refName, sha, defaultBranch });

describe("default tags", () => {
  it("branch push: branch and sha-<7>, latest only on the default branch", () => {
    expect(tags("branch", "main")).toEqual(["main", "sha-6113728", "latest"]);
    expect(tags("branch", "develop")).toEqual(["develop", "sha-6113728"]);
    expect(tags("branch", "main", null)).toEqual(["main", "sha-6113728"]);
  });
  it("sanitises branch names into valid tags", () => {
    expect(tags("branch", "feature/login#2")).toEqual(["feature-login-2", "sha-6113728"]);
    expect(tags("branch", ".hidden")).toEqual(["hidden", "sha-6113728"]);
    expect(tags("branch", "x".repeat(300))[0]).toHaveLength(128);
  });
  it("semver tags give full, minor and major", () => {
    expect(tags("tag", "v1.2.3")).toEqual(["1.2.3", "1.2", "1"]);
    expect(tags("tag", "1.2.3")).toEqual(["1.2.3", "1.2", "1"]);
    expect(tags("tag", "v10.20.30")).toEqual(["10.20.30", "10.20", "10"]);
  });
  it("no partial tags for pre-releases, no 0 major tag", () => {
    expect(tags("tag", "v1.2.3-rc.1")).toEqual(["1.2.3-rc.1"]);
    expect(tags("tag", "v0.4.1")).toEqual(["0.4.1", "0.4"]);
  });
  it("other tags are used as they are", () => {
    expect(tags("tag", "simple-tag")).toEqual(["simple-tag"]);
    expect(tags("tag", "release/2024")).toEqual(["release-2024"]);
  });
  it("a branch or plain tag never takes a name the farm gives its own meaning", () => {
    expect(tags("branch", "latest")).toEqual(["branch-latest", "sha-6113728"]);
    expect(tags("branch", "1")).toEqual(["branch-1", "sha-6113728"]);
    expect(tags("branch", "1.2")).toEqual(["branch-1.2", "sha-6113728"]);
    expect(tags("branch", "v1.2.3")).toEqual(["branch-v1.2.3", "sha-6113728"]);
    expect(tags("branch", "sha-abcdef1")).toEqual(["branch-sha-abcdef1", "sha-6113728"]);
    expect(tags("branch", "pr-7")).toEqual(["branch-pr-7", "sha-6113728"]);
    expect(tags("branch", "LATEST")).toEqual(["branch-LATEST", "sha-6113728"]);
    expect(tags("tag", "latest")).toEqual(["tag-latest"]);
    expect(tags("tag", "v1.2")).toEqual(["tag-v1.2"]);
    expect(tags("branch", "release-1.2")).toEqual(["release-1.2", "sha-6113728"]);
  });
  it("a pull request publishes pr-<n> only, a tag that follows the newest build", () => {
    const pr = { refType: "pull_request" as const, refName: "feature/x", sha, defaultBranch: "main", pullRequest: 42 };
    expect(defaultTags(pr)).toEqual(["pr-42"]);
    expect(tagMove(pr, "pr-42")).toBe("newest-build");
  });
});
