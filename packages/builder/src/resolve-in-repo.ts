import { lstat, readFile, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { UserFailure } from "./failures";

/** .slipway.yml larger than this is refused (it is a few lines; a huge one is a mistake or an attack). */
const MAX_CONFIG_BYTES = 64 * 1024;

const inside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
};

/**
 * Resolves a repository-relative path through symlinks and checks that it stays inside the
 * checkout: a repository may commit `hostroot -> /` and name it as context, and buildx would
 * follow the link and send host files into the image. Returns the real path, or throws a
 * UserFailure naming the field.
 */
export async function resolveInRepo(srcDir: string, relPath: string, field: string, kind: "file" | "dir"): Promise<string> {
  const root = await realpath(srcDir);
  let real: string;
  try {
    real = await realpath(join(srcDir, relPath));
  } catch {
    throw new UserFailure(
      kind === "file"
        ? `${field === "dockerfile" ? "Dockerfile" : field} not found: ${relPath}`
        : `build context not found: ${relPath} is not a folder in the repository`,
    );
  }
  if (!inside(root, real)) throw new UserFailure(`${field} ${relPath} leads outside the repository (through a symlink)`);
  const st = await stat(real);
  if (kind === "file" && !st.isFile())
    throw new UserFailure(`${field === "dockerfile" ? "Dockerfile" : field} not found: ${relPath} is not a file`);
  if (kind === "dir" && !st.isDirectory()) throw new UserFailure(`build context not found: ${relPath} is not a folder in the repository`);
  return real;
}

/** Reads .slipway.yml if it is a regular file of sane size (never through a symlink). */
export async function readConfigFile(srcDir: string, name: string): Promise<string | undefined> {
  const p = join(srcDir, name);
  const st = await lstat(p).catch(() => null);
  if (!st) return undefined;
  if (!st.isFile()) throw new UserFailure(`${name} must be a regular file (found a ${st.isSymbolicLink() ? "symlink" : "non-file"})`);
  if (st.size > MAX_CONFIG_BYTES) throw new UserFailure(`${name} is ${st.size} bytes; the limit is ${MAX_CONFIG_BYTES}`);
  return readFile(p, "utf8");
}
