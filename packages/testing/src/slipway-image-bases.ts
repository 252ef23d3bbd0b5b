// The two images Slipway's own Dockerfile starts from (its BASE and DOCKER_CLI build args),
// made on this machine since no public registry is reachable:
// - base: Debian 12 minbase with ca-certificates, git and tini (debootstrap, cached on disk)
//   plus this machine's own Node.js and npm, where the official node images keep them, and
//   this machine's CA bundle and global npmrc (the image's `npm ci` reaches the npm registry
//   the way this machine's npm does, e.g. through a TLS proxy it trusts);
// - docker CLI: this machine's docker CLI and buildx plugin, at the paths of the official
//   docker:<version>-cli image.
// Each is `docker import`ed under a tag keyed by its recipe; a tag already in the daemon's
// image store is reused, so only the first run on a daemon pays for it.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { debianRootfsTarball, recipeKey } from "./debian-rootfs";

const run = promisify(execFile);
const BASE_PACKAGES = ["ca-certificates", "git", "tini"];
const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const PATH_ENV = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const BUILDX_PLUGIN_DIRS = ["/usr/local/libexec/docker/cli-plugins", "/usr/libexec/docker/cli-plugins", "/usr/lib/docker/cli-plugins"];

export interface SlipwayImageBases {
  /** the BASE build arg: Debian 12 + Node.js + npm + git + tini + CA certificates */
  base: string;
  /** the DOCKER_CLI build arg: docker CLI + buildx plugin */
  dockerCli: string;
  /** the images this call had to make (empty: both were in the daemon already) */
  made: string[];
}

/** A file's identity for a recipe key: its path, size and modification time. */
const fileId = (path: string) => {
  const s = statSync(path);
  return `${path}:${s.size}:${s.mtimeMs}`;
};

/** Makes (or finds) both images in the daemon `env` points at. */
export async function slipwayImageBases(env: NodeJS.ProcessEnv, log: (s: string) => void): Promise<SlipwayImageBases> {
  const made: string[] = [];
  const node = realpathSync(process.execPath);
  const npmDir = join(execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim(), "npm");
  const npmrc = execFileSync("npm", ["config", "get", "globalconfig"], { encoding: "utf8" }).trim();
  const rootfs = await debianRootfsTarball("slipway-base", BASE_PACKAGES, log);
  const recipe = {
    rootfs,
    node: fileId(node),
    npm: fileId(join(npmDir, "package.json")),
    ca: fileId(CA_BUNDLE),
    npmrc: existsSync(npmrc) && fileId(npmrc),
    v: 1,
  };
  const base = `slipway-test/base:${recipeKey(recipe)}`;
  if (!imageExists(env, base)) {
    await importWith(env, base, rootfs, (stage) => {
      mkdirSync(join(stage, "usr/local/bin"), { recursive: true });
      mkdirSync(join(stage, "usr/local/lib/node_modules"), { recursive: true });
      copyFileSync(node, join(stage, "usr/local/bin/node"));
      chmodSync(join(stage, "usr/local/bin/node"), 0o755);
      cpSync(npmDir, join(stage, "usr/local/lib/node_modules/npm"), { recursive: true, verbatimSymlinks: true });
      symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(stage, "usr/local/bin/npm"));
      symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(stage, "usr/local/bin/npx"));
      mkdirSync(join(stage, "etc/ssl/certs"), { recursive: true });
      copyFileSync(CA_BUNDLE, join(stage, "etc/ssl/certs/ca-certificates.crt"));
      // The global npmrc of an npm whose prefix is /usr/local.
      mkdirSync(join(stage, "usr/local/etc"));
      if (existsSync(npmrc)) copyFileSync(npmrc, join(stage, "usr/local/etc/npmrc"));
    });
    made.push(base);
  }

  const docker = realpathSync(execFileSync("sh", ["-c", "command -v docker"], { encoding: "utf8", env }).trim());
  const buildxDir = BUILDX_PLUGIN_DIRS.find((d) => existsSync(join(d, "docker-buildx")));
  if (!buildxDir) throw new Error(`no docker-buildx plugin in ${BUILDX_PLUGIN_DIRS.join(", ")}`);
  const buildx = realpathSync(join(buildxDir, "docker-buildx"));
  const dockerCli = `slipway-test/docker-cli:${recipeKey({ docker: fileId(docker), buildx: fileId(buildx), v: 1 })}`;
  if (!imageExists(env, dockerCli)) {
    await importWith(env, dockerCli, undefined, (stage) => {
      const plugins = join(stage, "usr/local/libexec/docker/cli-plugins");
      mkdirSync(join(stage, "usr/local/bin"), { recursive: true });
      mkdirSync(plugins, { recursive: true });
      copyFileSync(docker, join(stage, "usr/local/bin/docker"));
      copyFileSync(buildx, join(plugins, "docker-buildx"));
      chmodSync(join(stage, "usr/local/bin/docker"), 0o755);
      chmodSync(join(plugins, "docker-buildx"), 0o755);
    });
    made.push(dockerCli);
  }
  return { base, dockerCli, made };
}

function imageExists(env: NodeJS.ProcessEnv, ref: string): boolean {
  try {
    execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", ref], { env, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Imports `rootfs` (a tarball; none: empty) with what `fill` puts in a staging folder added on top. */
async function importWith(env: NodeJS.ProcessEnv, ref: string, rootfs: string | undefined, fill: (stage: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-image-base-"));
  try {
    const stage = join(dir, "stage");
    mkdirSync(stage);
    fill(stage);
    const tarball = join(dir, "image.tar");
    if (rootfs) {
      copyFileSync(rootfs, tarball);
      await run("tar", ["-rf", tarball, "-C", stage, "."]);
    } else {
      await run("tar", ["-cf", tarball, "-C", stage, "."]);
    }
    // Asynchronous, as the rootfs: importing takes tens of seconds.
    await run("docker", ["import", "-c", PATH_ENV, tarball, ref], { env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
