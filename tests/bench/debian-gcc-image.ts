// The C workload's base image: Debian 12 with gcc, made with debootstrap (no public registry
// is reachable). Making it takes ~75 s, so the rootfs tarball is cached on disk, keyed by
// everything that goes into it (suite, variant, packages, mirror): a changed recipe never
// reuses an old tarball.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aptMirrorUrl } from "@slipway/testing";

const SUITE = "bookworm";
const PACKAGES = ["gcc", "libc6-dev", "make"];
const CACHE = "/var/cache/slipway/images";

/** Pushes <registry>/base/debian-gcc:12 and returns its reference. */
export async function pushDebianGccImage(env: NodeJS.ProcessEnv, registry: string, log: (s: string) => void): Promise<string> {
  const url = aptMirrorUrl();
  const key = createHash("sha256")
    .update(JSON.stringify({ SUITE, variant: "minbase", PACKAGES, url, v: 1 }))
    .digest("hex")
    .slice(0, 16);
  const tarball = join(CACHE, `debian-${SUITE}-gcc-${key}.tar`);
  if (!existsSync(tarball)) {
    log(`making the Debian + gcc base with debootstrap (once, cached as ${tarball})`);
    const dir = mkdtempSync(join(tmpdir(), "slipway-debootstrap-"));
    try {
      execFileSync("debootstrap", ["--variant=minbase", `--include=${PACKAGES.join(",")}`, SUITE, join(dir, "rootfs"), url], {
        stdio: ["ignore", "ignore", "inherit"],
      });
      mkdirSync(CACHE, { recursive: true });
      execFileSync("tar", [
        "-C",
        join(dir, "rootfs"),
        "--exclude=./proc/*",
        "--exclude=./sys/*",
        "--exclude=./dev/*",
        "-cf",
        `${tarball}.partial`,
        ".",
      ]);
      renameSync(`${tarball}.partial`, tarball);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ref = `${registry}/base/debian-gcc:12`;
  execFileSync("docker", ["import", "-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tarball, ref], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  // Asynchronous: the push asks the token realm this same process serves.
  await promisify(execFile)("docker", ["push", "--quiet", ref], { env });
  return ref;
}

/** A C program big enough that compiling it is real work (~seconds with -O2). */
export function generatedCProgram(functions: number, nonce: string): string {
  const out = [`#include <stdio.h>`, `static const char *nonce = "${nonce}";`];
  for (let i = 0; i < functions; i++) {
    out.push(
      `static unsigned long f${i}(unsigned long x) { unsigned long a = x * ${i + 3}UL; for (int k = 0; k < ${(i % 7) + 2}; k++) { a ^= a << 13; a ^= a >> 7; a ^= a << 17; a += ${i}UL; } return a; }`,
    );
  }
  out.push("int main(void) { unsigned long s = 0;");
  for (let i = 0; i < functions; i++) out.push(`  s += f${i}(${i}UL);`);
  out.push('  printf("%lu %s\\n", s, nonce == 0 ? "" : "ok"); return 0; }');
  return `${out.join("\n")}\n`;
}
