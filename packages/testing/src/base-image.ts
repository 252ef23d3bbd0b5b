import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, rmSync, copyFileSync, symlinkSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Makes the tests' base image, since no public registry is reachable: a busybox rootfs from
 * Debian's busybox-static, `docker import`ed and pushed to the test registry as
 * <registry>/base/busybox:1. Takes well under a second; nothing to cache. Asynchronous: the
 * push asks the registry's token realm, which the same process (the global setup) serves.
 */
export async function pushBusyboxBaseImage(env: NodeJS.ProcessEnv, registry: string): Promise<string> {
  const ref = `${registry}/base/busybox:1`;
  const dir = mkdtempSync(join(tmpdir(), "slipway-rootfs-"));
  try {
    const bin = join(dir, "bin");
    for (const d of ["bin", "tmp", "etc", "root"]) mkdirSync(join(dir, d));
    chmodSync(join(dir, "tmp"), 0o1777);
    copyFileSync("/bin/busybox", join(bin, "busybox"));
    chmodSync(join(bin, "busybox"), 0o755);
    const applets = execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" })
      .split("\n")
      .filter((a) => a && a !== "busybox");
    for (const a of applets) symlinkSync("busybox", join(bin, a));
    const tar = execFileSync("tar", ["-C", dir, "-c", "."], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync("docker", ["import", "-c", "ENV PATH=/bin", "-", ref], { input: tar, env, stdio: ["pipe", "ignore", "inherit"] });
    await promisify(execFile)("docker", ["push", "--quiet", ref], { env });
    return ref;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
