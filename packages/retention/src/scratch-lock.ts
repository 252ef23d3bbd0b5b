import lockfile from "proper-lockfile";

/**
 * A scratch folder's lock is `<folder>.lock` (proper-lockfile), kept fresh while its build
 * runs: the holder touches it every STALE_MS / 2, so one older than STALE_MS was left by a
 * process that is gone. Several workers (processes, or containers sharing a volume, where a
 * pid means nothing) use one cache folder, so a folder's owner is told by its live lock, not
 * by a name or a pid.
 */
export const SCRATCH_LOCK_STALE_MS = 60_000;

/**
 * Locks a build's scratch folder before it is created; call the answer to unlock after the
 * folder is removed. A lock lost while held (the event loop stalled past STALE_MS and a
 * starting worker swept the folder) fails that build's next file step, as any lost folder
 * would: nothing more to do here.
 */
export async function lockScratch(dir: string): Promise<() => Promise<void>> {
  return lockfile.lock(dir, { realpath: false, stale: SCRATCH_LOCK_STALE_MS, onCompromised: () => {} });
}
