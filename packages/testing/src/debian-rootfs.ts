// Debian 12 root filesystems made with debootstrap, for images the tests and benchmarks build on
// (no public registry is reachable). Making one takes ~75 s, so the tarball is cached on disk,
// keyed by everything that goes into it (suite, variant, packages, mirror): a changed recipe
// never reuses an old tarball.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { aptMirrorUrl } from "./apt-mirror";

const run = promisify(execFile);
const SUITE = "bookworm";
/** where made root filesystems and images are kept between runs */
const IMAGE_CACHE_DIR = "/var/cache/slipway/images";

/** A hex digest of a JSON-able recipe, short enough for a file name or an image tag. */
export const recipeKey = (recipe: unknown): string => createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);

/**
 * The path of a tarball of a Debian 12 minbase root filesystem with `packages` installed (made
 * once with debootstrap from this machine's own mirror, then reused). `name` prefixes the file.
 */
export async function debianRootfsTarball(name: string, packages: string[], log: (s: string) => void): Promise<string> {
  const url = aptMirrorUrl();
  const key = recipeKey({ SUITE, variant: "minbase", PACKAGES: packages, url, v: 1 });
  const tarball = join(IMAGE_CACHE_DIR, `debian-${SUITE}-${name}-${key}.tar`);
  if (existsSync(tarball)) return tarball;
  log(`making the Debian base with debootstrap (once, cached as ${tarball})`);
  const dir = mkdtempSync(join(tmpdir(), "slipway-debootstrap-"));
  try {
    // Asynchronous: a test's worker must keep answering vitest for the minute this takes.
    await run("debootstrap", ["--variant=minbase", `--include=${packages.join(",")}`, SUITE, join(dir, "rootfs"), url], {
      maxBuffer: 256 * 1024 * 1024,
    });
    mkdirSync(IMAGE_CACHE_DIR, { recursive: true });
    const partial = `${tarball}.${process.pid}.partial`;
    await run("tar", ["-C", join(dir, "rootfs"), "--exclude=./proc/*", "--exclude=./sys/*", "--exclude=./dev/*", "-cf", partial, "."]);
    renameSync(partial, tarball);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tarball;
}
