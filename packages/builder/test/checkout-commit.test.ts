// checkoutCommit against a real git daemon: only the configured protocols are spoken, and no
// argument can be read as an option.
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneMirrors } from "@slipway/retention";
import { TestGitServer } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutCommit } from "../src/checkout-commit";
import { InfrastructureFailure, UserFailure } from "../src/failures";

let git: TestGitServer;
let dir: string;
let sha: string;
beforeAll(async () => {
  git = await TestGitServer.start();
  sha = git.commit("acme/web", { "hello.txt": "hi\n" });
  dir = mkdtempSync(join(tmpdir(), "slipway-checkout-"));
});
afterAll(async () => {
  await git?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const checkout = (o: { cloneUrl?: string; protocols?: string[]; sha?: string; dest: string; on?: string }) =>
  checkoutCommit({
    cacheDir: join(dir, "cache"),
    githubId: 42n,
    cloneUrl: o.cloneUrl ?? `${git.baseUrl}/acme/web.git`,
    protocols: o.protocols ?? ["git"],
    sha: o.sha ?? sha,
    on: o.on ?? "refs/heads/main",
    destDir: join(dir, o.dest),
    env: { PATH: process.env.PATH },
    onLine: () => {},
  });

describe("checkoutCommit", () => {
  it("fetches with an allowed protocol into a mirror named by the repository id", async () => {
    const { mirrorDir } = await checkout({ dest: "ok" });
    expect(mirrorDir).toBe(join(dir, "cache", "git", "github-42.git"));
    expect(readFileSync(join(dir, "ok", "hello.txt"), "utf8")).toBe("hi\n");
  });

  it("records each use of a mirror, fetch or not, so pruneMirrors keeps it", async () => {
    const { mirrorDir } = await checkout({ dest: "used-1" });
    const longAgo = new Date(Date.now() - 60 * 86_400_000);
    utimesSync(mirrorDir, longAgo, longAgo);
    // the commit is in the mirror already: no fetch, the use is still recorded
    await checkout({ dest: "used-2" });
    expect(Date.now() - statSync(mirrorDir).mtimeMs).toBeLessThan(60_000);
    expect((await pruneMirrors(join(dir, "cache", "git"), 30, new Date())).removed).toBe(0);
    expect(readFileSync(join(dir, "used-2", "hello.txt"), "utf8")).toBe("hi\n");
  });

  it("refuses a protocol that is not allowed (git with only https allowed)", async () => {
    const err = await checkout({
      dest: "no-git",
      protocols: ["https"],
      cloneUrl: `${git.baseUrl}/acme/other.git`,
      sha: "b".repeat(40),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureFailure);
    expect((err as Error).message).toMatch(/transport 'git' not allowed/);
  });

  it("never reads file:// even when the caller lists it", async () => {
    const err = await checkout({
      dest: "no-file",
      protocols: ["https"],
      cloneUrl: `file://${join(dir, "cache", "git", "github-42.git")}`,
      sha: "c".repeat(40),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/transport 'file' not allowed/);
  });

  it("an option-shaped URL is a path to git, not an option", async () => {
    const marker = join(dir, "pwned");
    const err = await checkout({ dest: "opt", cloneUrl: `--upload-pack=touch ${marker}`, sha: "d".repeat(40) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(() => readFileSync(marker)).toThrow();
  });

  it("builds a commit only if the server has it on the claimed ref (a fork's commit passed off as main's is refused)", async () => {
    // Only refs/pull/9/head holds this commit, as GitHub keeps a fork's pull request head.
    const forkSha = git.commit("acme/web", { "hello.txt": "from a fork\n" }, { branch: "fork-work", from: "main", pullRequest: 9 });
    // Not in the mirror yet: branches and tags are fetched, the commit is on none of them.
    const onMain = await checkout({ dest: "fork-as-main", sha: forkSha }).catch((e: unknown) => e);
    expect(onMain).toBeInstanceOf(UserFailure);
    expect((onMain as Error).message).toContain(`commit ${forkSha} not found`);
    // As what it is, the pull request's head, it builds (fetched from refs/pull/9/head).
    await expect(
      checkoutCommit({
        cacheDir: join(dir, "cache"),
        githubId: 42n,
        cloneUrl: `${git.baseUrl}/acme/web.git`,
        protocols: ["git"],
        sha: forkSha,
        on: "refs/pull/9/head",
        extraRefs: ["refs/pull/9/head"],
        destDir: join(dir, "fork-as-pr"),
        env: { PATH: process.env.PATH },
        onLine: () => {},
      }),
    ).resolves.toBeDefined();
    expect(readFileSync(join(dir, "fork-as-pr", "hello.txt"), "utf8")).toBe("from a fork\n");
    // Once in the mirror it is still not main's, nor the head branch's: the check runs on every checkout.
    expect(((await checkout({ dest: "fork-as-main-again", sha: forkSha }).catch((e: unknown) => e)) as Error).message).toContain(
      `commit ${forkSha} is not on refs/heads/main`,
    );
    expect(
      ((await checkout({ dest: "fork-as-branch", sha: forkSha, on: "refs/heads/fork-work" }).catch((e: unknown) => e)) as Error).message,
    ).toContain("is not on refs/heads/fork-work");
  });

  it("a tag must point at the commit itself", async () => {
    const tagged = git.commit("acme/web", { "v.txt": "1\n" }, { tag: "v1.0.0" });
    await expect(checkout({ dest: "tag-ok", sha: tagged, on: "refs/tags/v1.0.0" })).resolves.toBeDefined();
    const older = sha;
    expect(((await checkout({ dest: "tag-bad", sha: older, on: "refs/tags/v1.0.0" }).catch((e: unknown) => e)) as Error).message).toContain(
      "is not on refs/tags/v1.0.0",
    );
  });

  it("a sha that is not 40 hex digits is refused before git runs", async () => {
    await expect(checkout({ dest: "badsha", sha: "--output=/tmp/x" })).rejects.toBeInstanceOf(UserFailure);
  });
});
