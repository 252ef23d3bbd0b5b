import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort, waitForPort } from "./ports";

const git = (args: string[], cwd?: string) =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Codertocat",
      GIT_AUTHOR_EMAIL: "octocat@github.com",
      GIT_COMMITTER_NAME: "Codertocat",
      GIT_COMMITTER_EMAIL: "octocat@github.com",
    },
  }).trim();

/**
 * A stand-in for github.com as a git host: a real `git daemon` on 127.0.0.1 serving bare
 * repositories at <owner>/<name>.git. Workers reach it as their SLIPWAY_GIT_BASE_URL
 * (`baseUrl`, protocol `git`), the way a GitHub Enterprise farm names its own host.
 * stop() kills only the daemon this server started, by PID.
 */
export class TestGitServer {
  private proc: ChildProcess | undefined;
  readonly root = mkdtempSync(join(tmpdir(), "slipway-git-"));
  private constructor(readonly port: number) {}

  static async start(): Promise<TestGitServer> {
    const s = new TestGitServer(await freePort());
    await s.start();
    return s;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      "git",
      ["daemon", "--reuseaddr", "--export-all", `--base-path=${this.root}`, "--listen=127.0.0.1", `--port=${this.port}`, this.root],
      { stdio: "ignore", detached: true },
    );
    await waitForPort(this.port, true, 10_000);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    // `git daemon` runs git-daemon as a child: kill the whole process group it leads.
    process.kill(-p.pid!, "SIGKILL");
    await exited;
    await waitForPort(this.port, false, 10_000);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** The base URL workers fetch <owner>/<name>.git from (SLIPWAY_GIT_BASE_URL). */
  get baseUrl(): string {
    return `git://127.0.0.1:${this.port}`;
  }

  /** Deletes `ref` (e.g. refs/heads/topic) from owner/name's bare repository, as a branch deletion on GitHub does. */
  deleteRef(fullName: string, ref: string): void {
    git(["--git-dir", join(this.root, `${fullName}.git`), "update-ref", "-d", ref]);
  }

  /** Points `ref` (e.g. refs/pull/3/head) of owner/name's bare repository at `sha`. */
  setRef(fullName: string, ref: string, sha: string): void {
    git(["--git-dir", join(this.root, `${fullName}.git`), "update-ref", ref, sha]);
  }

  /**
   * Commits `files` (path -> content, null deletes) on `branch` of owner/name; returns the sha.
   * `pullRequest`: the commit goes only to refs/pull/<n>/head (no branch on the server), as
   * GitHub keeps a pull request's head in the base repository, a fork's too; `branch` is then
   * the local branch it is made on (start it from the base with `from`).
   */
  commit(
    fullName: string,
    files: Record<string, string | null>,
    opts: { branch?: string; message?: string; tag?: string; pullRequest?: number; from?: string } = {},
  ): string {
    const bare = join(this.root, `${fullName}.git`);
    const work = join(this.root, ".work", fullName);
    const branch = opts.branch ?? "main";
    if (!existsSync(join(bare, "HEAD"))) {
      mkdirSync(dirname(bare), { recursive: true });
      git(["init", "--bare", "--quiet", "--initial-branch=main", bare]);
      mkdirSync(work, { recursive: true });
      git(["init", "--quiet", "--initial-branch=main"], work);
      git(["remote", "add", "origin", bare], work);
    }
    const branches = git(["branch", "--list", "--all"], work);
    if (branches.includes(branch)) git(["checkout", "--quiet", branch], work);
    else git(["checkout", "--quiet", "-b", branch, ...(opts.from ? [opts.from] : [])], work);
    for (const [path, content] of Object.entries(files)) {
      const p = join(work, path);
      if (content === null) rmSync(p, { force: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, content);
      }
    }
    git(["add", "--all"], work);
    git(["commit", "--quiet", "--allow-empty", "-m", opts.message ?? "commit"], work);
    const sha = git(["rev-parse", "HEAD"], work);
    git(["push", "--quiet", "--force", "origin", opts.pullRequest ? `HEAD:refs/pull/${opts.pullRequest}/head` : branch], work);
    if (opts.tag) {
      git(["tag", "-f", opts.tag], work);
      git(["push", "--quiet", "--force", "origin", `refs/tags/${opts.tag}`], work);
    }
    return sha;
  }
}
