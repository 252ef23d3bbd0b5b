// Containers of Slipway's own image on the test daemon: run one, wait for it, look inside,
// stop it. Every docker call gets the test daemon's DOCKER_HOST; values the containers need
// (secrets among them) travel in that environment and are named with `-e NAME` only, so they
// never reach a process argument list.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class ImageContainers {
  /** every container started carries it, so close() finds even one whose `docker run` had not answered yet */
  private readonly label = `slipway-test-image=${randomBytes(6).toString("hex")}`;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** `docker ARGS...` on the test daemon, with `extraEnv` in its environment; never throws on a non-zero exit. */
  async docker(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 120_000): Promise<RunResult> {
    try {
      const r = await run("docker", args, { env: { ...this.env, ...extraEnv }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(err) };
    }
  }

  /** Starts a container of `image` with role `role` in the background (host network: the test services are on loopback). */
  async start(image: string, role: string, env: Record<string, string>, extra: string[] = []): Promise<string> {
    const names = Object.keys(env).flatMap((k) => ["-e", k]);
    const r = await this.docker(["run", "-d", "--label", this.label, "--network", "host", ...names, ...extra, image, role], env);
    if (r.code !== 0) throw new Error(`docker run ${role} failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Runs a container to its end; returns its exit code and output (the container stays until close()). */
  async runToEnd(image: string, role: string, env: Record<string, string>): Promise<RunResult> {
    const id = await this.start(image, role, env);
    const waited = await this.docker(["wait", id]);
    const logs = await this.docker(["logs", id]);
    return { code: Number(waited.stdout.trim()), stdout: logs.stdout, stderr: logs.stderr };
  }

  /** `docker stop -t grace`: how long it took and the exit code the container ended with. */
  async stop(id: string, graceS: number): Promise<{ ms: number; exitCode: number; logs: string }> {
    const t = performance.now();
    const r = await this.docker(["stop", "-t", String(graceS), id], {}, (graceS + 30) * 1000);
    if (r.code !== 0) throw new Error(`docker stop failed: ${r.stderr}`);
    const ms = performance.now() - t;
    const exit = await this.docker(["inspect", "-f", "{{.State.ExitCode}}", id]);
    const logs = await this.docker(["logs", id]);
    return { ms, exitCode: Number(exit.stdout.trim()), logs: logs.stdout + logs.stderr };
  }

  /** Every process in the container as "comm uid" lines (read from /proc: the image has no ps). */
  async processes(id: string): Promise<string[]> {
    const script =
      'for p in /proc/[0-9]*; do [ -r "$p/status" ] && echo "$(cat "$p/comm") $(awk \'/^Uid:/ {print $2}\' "$p/status")"; done';
    const r = await this.docker(["exec", id, "sh", "-c", script]);
    if (r.code !== 0) throw new Error(`docker exec failed: ${r.stderr}`);
    return r.stdout.trim().split("\n");
  }

  async logs(id: string): Promise<string> {
    const r = await this.docker(["logs", id]);
    return r.stdout + r.stderr;
  }

  /** Removes every container started (by id). */
  async close(): Promise<void> {
    const ids = (await this.docker(["ps", "-aq", "--filter", `label=${this.label}`])).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await this.docker(["rm", "-f", ...ids]);
  }
}

/** Polls `probe` until it returns a value (not undefined); the time it took, in ms. */
export async function timeUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return { value, ms: performance.now() - t };
    if (performance.now() - t > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
