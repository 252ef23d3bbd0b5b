import { TestGitServer } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRemoteRef } from "../src/resolve-remote-ref";

let git: TestGitServer;
let main: string;
let tagged: string;
beforeAll(async () => {
  git = await TestGitServer.start();
  main = git.commit("acme/web", { "a.txt": "1\n" });
  tagged = git.commit("acme/web", { "a.txt": "2\n" }, { branch: "release", tag: "v1.0.0" });
});
afterAll(async () => {
  await git?.destroy();
});

const resolve = (ref: string, repo = "acme/web") =>
  resolveRemoteRef({
    url: `${git.baseUrl}/${repo}.git`,
    gitBaseUrl: git.baseUrl,
    protocols: ["git"],
    env: { PATH: process.env.PATH },
    ref,
  });

describe("resolveRemoteRef", () => {
  it("resolves a branch or a tag, short or full, to its commit", async () => {
    expect(await resolve("main")).toEqual({ kind: "found", ref: "refs/heads/main", refType: "branch", refName: "main", sha: main });
    expect(await resolve("refs/heads/release")).toMatchObject({ kind: "found", refType: "branch", sha: tagged });
    expect(await resolve("v1.0.0")).toEqual({ kind: "found", ref: "refs/tags/v1.0.0", refType: "tag", refName: "v1.0.0", sha: tagged });
  });

  it("a ref that is not there, an option-shaped one, and a repository that is not there are not found", async () => {
    expect(await resolve("nope")).toEqual({ kind: "not_found" });
    expect(await resolve("--upload-pack=touch /tmp/x")).toEqual({ kind: "not_found" });
    expect(await resolve("refs/pull/1/head")).toEqual({ kind: "not_found" });
    expect(await resolve("main", "acme/missing")).toEqual({ kind: "not_found" });
  });

  it("a git host that does not answer is unreachable, not missing", async () => {
    const r = await resolveRemoteRef({
      url: "git://127.0.0.1:1/acme/web.git",
      gitBaseUrl: "git://127.0.0.1:1",
      protocols: ["git"],
      env: { PATH: process.env.PATH },
      ref: "main",
    });
    expect(r.kind).toBe("unreachable");
  });
});
