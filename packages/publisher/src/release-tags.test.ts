import { describe, expect, it } from "vitest";
import { isReleaseTag } from "./release-tags";

describe("release tags", () => {
  it("are versions: 1.2.3, v1.2.3, pre-release and build forms", () => {
    for (const tag of ["1.2.3", "v1.2.3", "0.4.1", "10.20.30", "1.2.3-rc.1", "v2.0.0-beta.2", "1.2.3-build.5"])
      expect(isReleaseTag(tag), tag).toBe(true);
  });
  it("are not floating or other tags", () => {
    for (const tag of ["1.2", "1", "latest", "main", "sha-6113728", "v1.2", "1.2.3.4", "01.2.3", "release-1.2.3", "1.2.3_x"])
      expect(isReleaseTag(tag), tag).toBe(false);
  });
});
