import { describe, expect, it } from "vitest";
import { tagMove } from "./default-tags";

const sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

describe("tagMove", () => {
  it("branch tags follow the newest build; sha tags are fixed", () => {
    const b = { refType: "branch" as const, refName: "main", sha, defaultBranch: "main" };
    expect(tagMove(b, "main")).toBe("newest-build");
    expect(tagMove(b, "latest")).toBe("newest-build");
    expect(tagMove(b, "sha-6113728")).toBe("fixed");
  });
  it("release partials follow the highest version; full versions and plain tags are fixed", () => {
    const t = { refType: "tag" as const, refName: "v1.2.3", sha, defaultBranch: "main" };
    expect(tagMove(t, "1.2.3")).toBe("fixed");
    expect(tagMove(t, "1.2")).toBe("highest-version");
    expect(tagMove(t, "1")).toBe("highest-version");
    expect(tagMove({ ...t, refName: "simple-tag" }, "simple-tag")).toBe("fixed");
    expect(tagMove({ ...t, refName: "v2.0.0-rc.1" }, "2.0.0-rc.1")).toBe("fixed");
  });
});
