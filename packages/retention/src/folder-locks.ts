import { readdir } from "node:fs/promises";
import lockfile from "proper-lockfile";

/** The names in `dir`; none when it does not exist (nothing was ever made there). */
export async function entriesOf(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
}

/** Takes `dir`'s lock without waiting: undefined when someone holds it (the folder is in use). */
export async function tryLock(dir: string, staleMs: number): Promise<(() => Promise<void>) | undefined> {
  return lockfile
    .lock(dir, { realpath: false, stale: staleMs, retries: 0, onCompromised: () => {} })
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ELOCKED") return undefined;
      throw err;
    });
}
