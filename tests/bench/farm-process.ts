// One farm app (apps/api, apps/worker or apps/publisher) as its own node process, started from its real
// src/index.ts with configuration in the environment (secrets never in the argument list):
// a benchmark's load generator must not share the measured process's event loop.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";

export interface FarmProcess {
  pid: number;
  /** SIGTERM (the app's own graceful shutdown), SIGKILL after `graceMs`; resolves on exit */
  stop: (graceMs?: number) => Promise<void>;
  /** resolves with the exit code once the process has exited */
  exited: Promise<number | null>;
}

export interface FarmProcessOptions {
  root: string;
  app: "api" | "worker" | "publisher";
  /** its whole configuration, on top of this process's environment */
  env: Record<string, string>;
  /** where stdout and stderr go (appended) */
  logFile: string;
  /** start the log file afresh rather than append @defaultValue false */
  freshLog?: boolean;
  /** extra node flags, e.g. --cpu-prof */
  nodeArgs?: string[];
}

export function startFarmProcess(o: FarmProcessOptions): FarmProcess {
  mkdirSync(join(o.logFile, ".."), { recursive: true });
  const out = openSync(o.logFile, o.freshLog ? "w" : "a");
  // node --import tsx (not the tsx CLI): signals reach the app itself, and --cpu-prof profiles it.
  const child: ChildProcess = spawn(
    process.execPath,
    [...(o.nodeArgs ?? []), "--import", "tsx", join(o.root, "apps", o.app, "src", "index.ts")],
    {
      cwd: o.root,
      env: { ...process.env, ...o.env },
      stdio: ["ignore", out, out],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    pid: child.pid!,
    exited,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls GET <url>/healthz until it answers 200 (or the process exits first). */
export async function waitForHealthy(url: string, proc: FarmProcess, timeoutMs = 60_000): Promise<void> {
  let dead = false;
  void proc.exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !dead) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(dead ? `the process at ${url} exited before it was healthy` : `${url}/healthz did not answer within ${timeoutMs} ms`);
}
