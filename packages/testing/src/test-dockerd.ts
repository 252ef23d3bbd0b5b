import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

/**
 * A Docker daemon of a test's own (a fault test stops and starts it; the daemons
 * infra/services.sh starts are shared by every test file and stopped by infra, by PID). Set up
 * as launch_dockerd sets up one: the same daemon.json (containerd image store, BuildKit GC, no
 * inter-container traffic, a walled-off bridge of its own made by infra's setup_build_bridge)
 * and BuildKit's step-log limits lifted; its config, data-root, exec-root (where dockerd runs
 * its own managed containerd, socket and state included), pidfile and socket all in one
 * temporary folder. Needs root, as the test set-up does. `destroy()` stops it by PID and removes
 * the folder and the bridge.
 */
export class TestDockerd {
  readonly dir = mkdtempSync("/tmp/slipway-dockerd-");
  readonly host = `unix://${join(this.dir, "docker.sock")}`;
  readonly dataRoot = join(this.dir, "data");
  private readonly config = join(this.dir, "daemon.json");
  private readonly logFile = join(this.dir, "dockerd.log");
  private bridge: string | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** the managed containerd of the last start (dockerd's child), killed by destroy() if left */
  private containerd: number | undefined;

  /**
   * Starts a daemon on a bridge named after `tag` (with the checkout's path, hashed by
   * setup_build_bridge: unique per checkout and tag; give a tag unique per run, e.g. the test
   * profile's port base and the PID).
   */
  static async start(tag: string): Promise<TestDockerd> {
    const d = new TestDockerd();
    try {
      d.bridge = infra(`PROFILE=test; setup_build_bridge "$1" >&2; echo "$BRIDGE"`, tag).trim();
      if (!/^slw[0-9a-f]{8}$/.test(d.bridge)) throw new Error(`setup_build_bridge gave no bridge name: ${d.bridge}`);
      mkdirSync(d.dataRoot);
      writeFileSync(
        d.config,
        `${JSON.stringify(
          {
            features: { "containerd-snapshotter": true },
            builder: { gc: { enabled: true, defaultKeepStorage: "2GB" } },
            "data-root": d.dataRoot,
            "exec-root": join(d.dir, "exec"),
            pidfile: join(d.dir, "docker.pid"),
            hosts: [d.host],
            bridge: d.bridge,
            icc: false,
            iptables: true,
            "ip-masq": true,
            ip6tables: false,
            ipv6: false,
          },
          null,
          2,
        )}\n`,
      );
      await d.startAgain();
      return d;
    } catch (err) {
      await d.destroy();
      throw err;
    }
  }

  /** PID of the running dockerd (undefined while stopped). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts dockerd (again) with the same config; resolves once it answers. */
  async startAgain(): Promise<void> {
    if (this.pid) throw new Error("the test dockerd is running");
    const log = openSync(this.logFile, "a");
    const { DOCKER_HOST: _, ...env } = process.env;
    // As launch_dockerd: BuildKit clips step logs at 2 MiB and throttles them by default.
    const child = spawn("dockerd", ["--config-file", this.config], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...env, BUILDKIT_STEP_LOG_MAX_SIZE: "-1", BUILDKIT_STEP_LOG_MAX_SPEED: "-1" },
    });
    closeSync(log);
    child.unref();
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!this.pid) throw new Error(`dockerd exited while starting:\n${this.logTail()}`);
      if (
        await this.docker(["info"]).then(
          () => true,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 60 s:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    this.containerd = childPids(child.pid!)[0];
    // After the daemon made its chains: no link-local, no other build bridge (idempotent).
    infra(`restrict_build_bridge "$1"`, this.bridge!);
  }

  /** SIGTERMs dockerd (it stops its containerd too) and waits for it to exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 30_000): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    process.kill(pid, "SIGTERM");
    const timer = setTimeout(() => this.pid && process.kill(pid, "SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** `docker -H <this daemon> ...args`; resolves to its standard output. */
  async docker(args: string[]): Promise<string> {
    const { stdout } = await run("docker", ["-H", this.host, ...args], { env: { ...process.env, DOCKER_HOST: this.host } });
    return stdout;
  }

  /**
   * Processes running in a container of this daemon (RUN steps): in a mount namespace other
   * than ours whose mounts come from this daemon's data-root.
   */
  containerProcesses(): number[] {
    const own = readlinkSync("/proc/self/ns/mnt");
    const out: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/ns/mnt`) === own) continue;
        if (readFileSync(`/proc/${entry}/mountinfo`, "utf8").includes(this.dataRoot)) out.push(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return out;
  }

  /** What dockerd logged last (for failure messages). */
  logTail(chars = 3000): string {
    try {
      return readFileSync(this.logFile, "utf8").slice(-chars);
    } catch {
      return "(no log)";
    }
  }

  /** Stops the daemon (by PID), kills what it left, unmounts and removes its folder, removes its bridge. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    const ours = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(this.dir);
      } catch {
        return false;
      }
    };
    const left = [...(this.containerd && ours(this.containerd) ? [this.containerd] : []), ...this.containerProcesses()];
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    // Mounts a killed daemon can leave under its folder (snapshots, network namespaces), deepest first.
    const mounts = readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[4])
      .filter((m): m is string => m !== undefined && m.startsWith(`${this.dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) execFileSync("umount", ["-l", m], { stdio: "ignore" });
    rmSync(this.dir, { recursive: true, force: true });
    if (this.bridge) infra(`remove_build_bridge "$1"`, this.bridge);
  }
}

/** Runs `script` with infra's shell functions (lib.sh, services.sh) loaded; `arg` is $1. */
function infra(script: string, arg: string): string {
  return execFileSync("bash", ["-c", `source infra/lib.sh; source infra/services.sh; ${script}`, "infra", arg], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The PIDs whose parent is `pid`. */
function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there is none
  }
}
