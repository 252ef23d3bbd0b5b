import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { folderBytes } from "./folder-bytes";
import { entriesOf, tryLock } from "./folder-locks";
import { SCRATCH_LOCK_STALE_MS } from "./scratch-lock";

export interface SweepResult {
  /** folders removed */
  removed: number;
  /** bytes they held */
  bytes: number;
}

export interface SweepOptions {
  /** a folder with no lock at all is removed only once it is this old: a worker from before
   * scratch folders were locked may still be building in it (a killed worker of today leaves
   * its lock behind, stale, and its folder goes at once) @defaultValue one day */
  unlockedGraceMs?: number;
}

/**
 * Removes the scratch folders under `workDir` that no running build holds (see lockScratch):
 * those of a worker that was killed mid-build. A folder whose lock is fresh belongs to a
 * build running in another process and is kept; taking the lock first means a folder is
 * never removed under a build that is starting. Stray lock folders go with their folder.
 * Folder names carry no owner (`<build>-<attempt>-<random>`) and a pid means nothing across
 * containers sharing the cache volume, hence the lock.
 */
export async function sweepScratch(workDir: string, opts: SweepOptions = {}): Promise<SweepResult> {
  const unlockedBefore = Date.now() - (opts.unlockedGraceMs ?? 86_400_000);
  const entries = await entriesOf(workDir);
  const names = new Set(entries.map((e) => e.replace(/\.lock$/, "")));
  let removed = 0;
  let bytes = 0;
  for (const name of names) {
    const dir = join(workDir, name);
    if (!entries.includes(`${name}.lock`) && ((await stat(dir).catch(() => undefined))?.mtimeMs ?? 0) > unlockedBefore) continue;
    const release = await tryLock(dir, SCRATCH_LOCK_STALE_MS);
    if (!release) continue;
    try {
      if (entries.includes(name)) {
        bytes += await folderBytes(dir);
        await rm(dir, { recursive: true, force: true });
        removed++;
      }
    } finally {
      await release();
    }
  }
  return { removed, bytes };
}
