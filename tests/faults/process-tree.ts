import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";

/** Every descendant of `pid` now (children, their children, ...), from ps. */
export function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of rows)
      if (parent === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

/** The process group of `pid` (undefined once it has exited). */
export function processGroup(pid: number): number | undefined {
  try {
    return Number(execFileSync("ps", ["-o", "pgid=", "-p", String(pid)], { encoding: "utf8" }).trim()) || undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `pid`'s command line, for a message naming a process left behind. */
export function commandOf(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "(gone)";
  }
}

/** The `kind` namespace `pid` is in (e.g. "pid:[4026532400]"; undefined once it has exited). */
export function namespaceOf(pid: number, kind: "pid" | "mnt"): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

/**
 * Processes the farm's workers started (git, buildx) that are still running 10 s after every
 * build ended, by command line: a worker finishing its bookkeeping gets those 10 s.
 */
export async function leftBehind(farm: { processes: () => { name: string; pid: number }[] }): Promise<string[]> {
  const now = () =>
    farm
      .processes()
      .filter((p) => p.name.startsWith("worker-"))
      .flatMap((p) => descendants(p.pid));
  // tsx's esbuild service lives as long as the app's node process: it is not the worker's doing.
  const started = () => now().filter((pid) => !commandOf(pid).includes("esbuild --service"));
  for (let i = 0; i < 50 && started().length; i++) await new Promise((r) => setTimeout(r, 200));
  return started().map(commandOf);
}
