import { mkdir, rm, utimes } from "node:fs/promises";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { InfrastructureFailure, UserFailure } from "./failures";
import { gitAuthEnv, hardenedGitEnv, runCommand } from "@slipway/git";
import { MIRROR_LOCK_STALE_MS } from "@slipway/retention";

export interface CheckoutOptions {
  /** the worker's cache folder; mirrors live in <cacheDir>/git */
  cacheDir: string;
  /** GitHub's repository id: names the mirror, so a renamed repository keeps it */
  githubId: bigint;
  /** where to fetch from: <SLIPWAY_GIT_BASE_URL>/<owner>/<repo>.git (see repositoryGitUrl) */
  cloneUrl: string;
  /** transports git may use (SLIPWAY_GIT_PROTOCOLS), e.g. ["https"] */
  protocols: readonly string[];
  sha: string;
  /** more refs to fetch beside branches and tags, e.g. refs/pull/12/head (a pull request's
   * head, which GitHub keeps in the base repository, forks included) */
  extraRefs?: readonly string[];
  /**
   * The ref the server must have `sha` on, as a payload's claim is checked against the
   * repository itself: a branch (refs/heads/x: the commit is on it), a tag (refs/tags/v1: it
   * points at the commit) or a pull request head (refs/pull/n/head). Without this, anyone
   * holding the webhook secret could name a fork's commit (fetchable from refs/pull/*) in a
   * push to main and have it built, with main's secrets and publish rights.
   */
  on: string;
  /** empty or missing folder that receives the commit's files (no .git) */
  destDir: string;
  /** git runs with this environment (GIT_ALLOW_PROTOCOL is set from `protocols`) */
  env: NodeJS.ProcessEnv;
  /** fetch with this token (GitHub App installation token or PAT), sent only to `gitBaseUrl` (see gitAuthEnv) */
  auth?: { token: string; gitBaseUrl: string };
  onLine: (line: string) => void;
  signal?: AbortSignal;
}

const UNREACHABLE =
  /Could not resolve host|Connection refused|Connection timed out|unable to access|Could not read from remote repository|early EOF|the remote end hung up|Operation timed out|Failed to connect|unable to connect/i;
const NOT_FOUND =
  /Repository not found|not found|does not appear to be a git repository|Authentication failed|could not read Username|terminal prompts disabled/i;

/**
 * Checks out exactly `sha` into `destDir`: a bare mirror per repository on this worker
 * (fetched, never re-cloned; skipped entirely when the commit is already there), then the
 * commit's tree written with a throwaway index, so the context holds that commit only.
 * Mirrors are shared by the worker processes of a host; a lock file serialises fetches.
 * Hardened against what a push could smuggle in: the URL is the farm's own (never a payload's),
 * every positional argument follows `--` or --end-of-options, and git may speak only the
 * configured protocols (GIT_ALLOW_PROTOCOL also covers redirects and submodules).
 */
export async function checkoutCommit(o: CheckoutOptions): Promise<{ commitTime: Date; mirrorDir: string }> {
  // Checked here, not only at ingest: git checkout takes the sha before `--` (it rejects
  // --end-of-options there), so it must never look like an option.
  if (!/^[0-9a-f]{40}$/.test(o.sha)) throw new UserFailure(`not a commit sha: ${JSON.stringify(o.sha).slice(0, 60)}`);
  if (!/^refs\/(heads|tags)\/[^-]|^refs\/pull\/[1-9][0-9]{0,9}\/head$/.test(o.on))
    throw new UserFailure(`not a branch, tag or pull request ref: ${JSON.stringify(o.on).slice(0, 60)}`);
  for (const r of o.extraRefs ?? [])
    if (!/^refs\/pull\/[1-9][0-9]{0,9}\/head$/.test(r)) throw new UserFailure(`not a pull request ref: ${JSON.stringify(r).slice(0, 60)}`);
  const mirrorDir = join(o.cacheDir, "git", `github-${o.githubId}.git`);
  await mkdir(mirrorDir, { recursive: true });
  const env = hardenedGitEnv(o.env, o.protocols);
  const git = (args: string[], cwd?: string) => runCommand("git", args, { env, signal: o.signal, ...(cwd ? { cwd } : {}) });
  // Only the commands that talk to the server get the credential.
  const fetchEnv = o.auth ? gitAuthEnv(env, o.auth.gitBaseUrl, o.auth.token) : env;
  const gitFetch = (args: string[]) => runCommand("git", args, { env: fetchEnv, signal: o.signal });

  const release = await lockfile.lock(mirrorDir, {
    retries: { retries: 600, minTimeout: 100, maxTimeout: 1000 },
    stale: MIRROR_LOCK_STALE_MS,
    realpath: false,
  });
  try {
    // The mirror's last use, read by pruneMirrors under this same lock (a fetch-free use
    // would not change the folder's mtime by itself). Made again first: pruneMirrors may have
    // removed it between the mkdir above and this lock.
    await mkdir(mirrorDir, { recursive: true });
    const now = new Date();
    await utimes(mirrorDir, now, now);
    if ((await git(["--git-dir", mirrorDir, "rev-parse", "--is-bare-repository"])).stdout.trim() !== "true") {
      o.onLine(`slipway: creating git mirror of ${o.cloneUrl}`);
      const init = await git(["init", "--bare", "--quiet", "--", mirrorDir]);
      if (init.code !== 0) throw new InfrastructureFailure(`git init failed: ${init.stderr.trim()}`);
    }
    const has = async () => (await git(["--git-dir", mirrorDir, "cat-file", "-e", "--end-of-options", `${o.sha}^{commit}`])).code === 0;
    const isOn = async () => {
      if (o.on.startsWith("refs/tags/"))
        return (
          (
            await git(["--git-dir", mirrorDir, "rev-parse", "--verify", "--quiet", "--end-of-options", `${o.on}^{commit}`])
          ).stdout.trim() === o.sha
        );
      return (await git(["--git-dir", mirrorDir, "merge-base", "--is-ancestor", o.sha, o.on])).code === 0;
    };
    if ((await has()) && (await isOn())) {
      o.onLine(`slipway: commit ${o.sha} already in the mirror on ${o.on}, no fetch needed`);
    } else {
      o.onLine(`slipway: fetching ${o.cloneUrl}`);
      const started = Date.now();
      const f = await gitFetch([
        "--git-dir",
        mirrorDir,
        "fetch",
        "--prune",
        "--no-tags",
        "--quiet",
        "--no-recurse-submodules",
        "--",
        o.cloneUrl,
        "+refs/heads/*:refs/heads/*",
        "+refs/tags/*:refs/tags/*",
        ...(o.extraRefs ?? []).map((r) => `+${r}:${r}`),
      ]);
      if (f.code !== 0) {
        const err = f.stderr.trim().split("\n").filter(Boolean).slice(-2).join(" / ");
        if (UNREACHABLE.test(f.stderr)) throw new InfrastructureFailure(`git server unreachable for ${o.cloneUrl}: ${err}`);
        if (!(await has()) && /not our ref|no such remote ref|couldn't find remote ref|unadvertised object/i.test(f.stderr)) {
          throw new UserFailure(`commit ${o.sha} not found in ${o.cloneUrl} (was it force-pushed away?)`);
        }
        if (NOT_FOUND.test(f.stderr)) throw new UserFailure(`cannot fetch ${o.cloneUrl}: repository not found or access denied (${err})`);
        throw new InfrastructureFailure(`git fetch of ${o.cloneUrl} failed: ${err}`);
      }
      if (!(await has())) throw new UserFailure(`commit ${o.sha} not found in ${o.cloneUrl} (was it force-pushed away?)`);
      if (!(await isOn()))
        throw new UserFailure(
          `commit ${o.sha} is not on ${o.on} of ${o.cloneUrl}: it was force-pushed away, or the delivery named a commit that is not there`,
        );
      o.onLine(`slipway: fetched in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
  } finally {
    await release();
  }

  await rm(o.destDir, { recursive: true, force: true });
  await mkdir(o.destDir, { recursive: true });
  const index = `${o.destDir}.index`;
  const co = await runCommand(
    "git",
    ["--git-dir", mirrorDir, "--work-tree", o.destDir, "checkout", "--force", "--quiet", o.sha, "--", "."],
    {
      env: { ...env, GIT_INDEX_FILE: index },
      ...(o.signal ? { signal: o.signal } : {}),
    },
  );
  await rm(index, { force: true });
  if (co.code !== 0) throw new InfrastructureFailure(`git checkout of ${o.sha} failed: ${co.stderr.trim()}`);
  const ct = await git(["--git-dir", mirrorDir, "show", "-s", "--format=%ct", "--end-of-options", o.sha, "--"]);
  const commitTime = new Date(Number(ct.stdout.trim()) * 1000);
  o.onLine(`slipway: checked out ${o.sha}`);
  return { commitTime, mirrorDir };
}
