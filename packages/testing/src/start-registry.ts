import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { freePort } from "./ports";

export interface StartRegistryOptions {
  /** Turn on htpasswd (basic) auth with this one user. */
  htpasswd?: { username: string; password: string };
  /** Extra YAML appended under `auth:` instead (e.g. a token block); wins over htpasswd. */
  authYaml?: string;
}

export interface TestRegistry {
  /** "127.0.0.1:PORT", as used in image references. */
  host: string;
  url: string;
  /** its folder: config.yml, and the storage under data/ */
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A real Distribution registry (Debian's docker-registry, v2.8) of the test's own, on a
 * free port with its storage in a temp dir. stop() kills only this process, by PID.
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-registry-test-"));
  const port = await freePort();
  let auth = "";
  if (opts.authYaml) auth = `auth:\n${opts.authYaml}`;
  else if (opts.htpasswd) {
    writeFileSync(join(dir, "htpasswd"), `${bcryptLine(opts.htpasswd.username, opts.htpasswd.password)}\n`);
    auth = `auth:\n  htpasswd:\n    realm: test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: { level: warn }",
      "storage:",
      `  filesystem: { rootdirectory: ${join(dir, "data")} }`,
      "  delete: { enabled: true }",
      "http:",
      `  addr: 127.0.0.1:${port}`,
      auth,
    ].join("\n"),
  );
  const proc: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const host = `127.0.0.1:${port}`;
  await waitUntilServing(`http://${host}/v2/`, proc, () => stderr);
  return {
    host,
    url: `http://${host}`,
    dir,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once("exit", resolve));
        proc.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilServing(url: string, proc: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited (${proc.exitCode}): ${stderr()}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill("SIGKILL");
  throw new Error(`docker-registry did not serve ${url} within 15 s: ${stderr()}`);
}

/**
 * An htpasswd line for Distribution, which accepts bcrypt hashes only. bcryptjs (plain
 * JavaScript) makes it, so tests need neither apache2-utils' htpasswd nor a crypt library.
 */
function bcryptLine(username: string, password: string): string {
  return `${username}:${bcrypt.hashSync(password, 10)}`;
}
