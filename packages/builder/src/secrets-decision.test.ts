import { describe, expect, it } from "vitest";
import { secretsDecision } from "./secrets-decision";

describe("secretsDecision", () => {
  it("pushes and pull requests from the repository's own branches get secrets; forks never do", () => {
    expect(secretsDecision({ fromFork: false, pullRequest: null })).toEqual({ allow: true });
    expect(secretsDecision({ fromFork: false, pullRequest: 12 })).toEqual({ allow: true });
    expect(secretsDecision({ fromFork: true, pullRequest: 12 })).toEqual({
      allow: false,
      reason: "pull request #12 is from a fork: forks never get secrets",
    });
  });
});
