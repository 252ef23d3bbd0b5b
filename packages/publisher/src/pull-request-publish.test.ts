import { describe, expect, it } from "vitest";
import { pullRequestPublishRefusal } from "./pull-request-publish";

describe("pull request publishing", () => {
  const pr = (fromFork: boolean) => ({ refType: "pull_request", pullRequest: 7, fromFork });
  it("a fork never publishes, even when its .slipway.yml opts in", () => {
    expect(pullRequestPublishRefusal(pr(true), { publishPullRequests: true })).toBe("pull request #7 is from a fork: forks never publish");
  });
  it("a branch of the repository publishes only when .slipway.yml opts in", () => {
    expect(pullRequestPublishRefusal(pr(false), { publishPullRequests: false })).toContain("publishPullRequests: true");
    expect(pullRequestPublishRefusal(pr(false), { publishPullRequests: true })).toBeNull();
  });
  it("pushes are not concerned", () => {
    expect(pullRequestPublishRefusal({ refType: "branch", pullRequest: null, fromFork: false }, { publishPullRequests: false })).toBeNull();
  });
});
