// The C workload's base image: Debian 12 with gcc, from a debootstrap root filesystem
// (@slipway/testing's debianRootfsTarball: made once, ~75 s, then cached on disk).
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { debianRootfsTarball } from "@slipway/testing";

const PACKAGES = ["gcc", "libc6-dev", "make"];

/** Pushes <registry>/base/debian-gcc:12 and returns its reference. */
export async function pushDebianGccImage(env: NodeJS.ProcessEnv, registry: string, log: (s: string) => void): Promise<string> {
  const tarball = await debianRootfsTarball("gcc", PACKAGES, log);
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
