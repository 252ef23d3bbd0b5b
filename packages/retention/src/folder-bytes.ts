import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Bytes of the files under `path` (symbolic links not followed); 0 if it is gone. */
export async function folderBytes(path: string): Promise<number> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  const entries = await readdir(path).catch(() => [] as string[]);
  let total = 0;
  for (const e of entries) total += await folderBytes(join(path, e));
  return total;
}
