// pruneMirrors on real bare git mirrors: only mirrors unused past the limit and not locked go.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIRROR_LOCK_STALE_MS, pruneMirrors } from "../src/index";

const DAY = 86_400_000;
const NOW = new Date();
let root: string;
let mirrors: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "slipway-mirrors-"));
  mirrors = join(root, "git");
  mkdirSync(mirrors);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A real bare mirror holding one commit, last used `daysAgo`. */
function mirror(name: string, daysAgo: number): string {
  const src = join(root, `src-${name}`);
  execFileSync("git", ["init", "--quiet", "-b", "main", src]);
  writeFileSync(join(src, "f.txt"), name);
  const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };
  execFileSync("git", ["-C", src, "add", "."], { env });
  execFileSync("git", ["-C", src, "commit", "--quiet", "-m", "c"], { env });
  const dir = join(mirrors, name);
  execFileSync("git", ["clone", "--quiet", "--mirror", src, dir]);
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  utimesSync(dir, at, at);
  return dir;
}

describe("pruneMirrors", () => {
  it("removes mirrors unused for longer than the limit, keeps recent and locked ones", async () => {
    const old = mirror("github-1.git", 31);
    const recent = mirror("github-2.git", 29);
    const busy = mirror("github-3.git", 90);
    const release = await lockfile.lock(busy, { realpath: false, stale: MIRROR_LOCK_STALE_MS });
    mkdirSync(join(mirrors, "not-a-mirror"));
    utimesSync(join(mirrors, "not-a-mirror"), new Date(0), new Date(0));

    const r = await pruneMirrors(mirrors, 30, NOW);
    expect(r.removed).toBe(1);
    expect(r.bytes).toBeGreaterThan(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(`${old}.lock`)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(busy)).toBe(true);
    expect(existsSync(join(mirrors, "not-a-mirror"))).toBe(true);
    // what is kept is still a working mirror
    expect(execFileSync("git", ["--git-dir", busy, "rev-parse", "--is-bare-repository"]).toString().trim()).toBe("true");

    await release();
    expect((await pruneMirrors(mirrors, 30, NOW)).removed).toBe(1);
    expect(existsSync(busy)).toBe(false);
    expect(await pruneMirrors(mirrors, 30, NOW)).toEqual({ removed: 0, bytes: 0 });
  });

  it("answers nothing removed when no mirror was ever made", async () => {
    expect(await pruneMirrors(join(root, "missing"), 30, NOW)).toEqual({ removed: 0, bytes: 0 });
  });
});
