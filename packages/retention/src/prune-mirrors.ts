import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { folderBytes } from "./folder-bytes";
import { entriesOf, tryLock } from "./folder-locks";
import type { SweepResult } from "./sweep-scratch";

/**
 * The stale time of a mirror's lock (`<mirror>.lock`): checkoutCommit's value, so both agree
 * on when a holder is gone.
 */
export const MIRROR_LOCK_STALE_MS = 10 * 60_000;

const DAY_MS = 86_400_000;

/**
 * Removes the git mirrors under `mirrorsDir` (github-<id>.git) no build used for `maxAgeDays`.
 * checkoutCommit sets a mirror folder's mtime each time a build uses it, under the mirror's
 * lock; this takes the same lock (without waiting: a locked mirror is in use and kept) and
 * reads the time again under it, so a mirror a build is about to use is never removed. A
 * build reading its commit out of the mirror after the lock is released has just set the
 * time, so its mirror is far from old.
 */
export async function pruneMirrors(mirrorsDir: string, maxAgeDays: number, now: Date): Promise<SweepResult> {
  const cutoff = now.getTime() - maxAgeDays * DAY_MS;
  const entries = await entriesOf(mirrorsDir);
  const usedAt = async (dir: string) => (await stat(dir).catch(() => undefined))?.mtimeMs;
  let removed = 0;
  let bytes = 0;
  for (const name of entries.filter((e) => e.endsWith(".git"))) {
    const dir = join(mirrorsDir, name);
    const before = await usedAt(dir);
    if (before === undefined || before >= cutoff) continue;
    const release = await tryLock(dir, MIRROR_LOCK_STALE_MS);
    if (!release) continue;
    try {
      const at = await usedAt(dir);
      if (at === undefined || at >= cutoff) continue;
      bytes += await folderBytes(dir);
      await rm(dir, { recursive: true, force: true });
      removed++;
    } finally {
      await release();
    }
  }
  return { removed, bytes };
}
