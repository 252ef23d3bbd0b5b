import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { buildxArgs, type BuildxRequest } from "./buildx-args";
import { LineAssembler } from "@slipway/build-log";
import { RawjsonParser, type SolveStatus } from "./rawjson-parser";
import { StepTracker, type StepRecord } from "./step-tracker";

export interface BuildxRunOptions {
  /** environment for the docker CLI (DOCKER_HOST, ...) */
  env: NodeJS.ProcessEnv;
  /** every build-log line, in order */
  onLine: (line: string) => void;
  /** a step finished: completed, cached or failed (once per step) */
  onStep?: (step: StepRecord) => void;
  /** abort = cancel or timeout: the whole buildx process group is killed */
  signal?: AbortSignal;
  /** time between SIGTERM and SIGKILL @defaultValue 10000 */
  killGraceMs?: number;
}

export interface BuildxResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  digest: string | undefined;
  steps: StepRecord[];
  counts: { cached: number; total: number };
  failedStep: StepRecord | undefined;
  textLines: string[];
}

/**
 * Runs `docker buildx build --progress=rawjson` in its own process group and turns its output
 * into steps and log lines shaped like BuildKit's plain progress (`#3 [stage 2/3] RUN ...`,
 * `#3 <output>`, `#3 DONE 1.2s`).
 */
export async function runBuildx(req: BuildxRequest, opts: BuildxRunOptions): Promise<BuildxResult> {
  const tracker = new StepTracker();
  const textLines: string[] = [];
  const seen = new Set<string>();
  const num = (digest: string) => (tracker.get(digest)?.index ?? 0) + 1;
  const lines = new LineAssembler((vertex, line) => opts.onLine(`#${num(vertex)} ${line}`));

  const onStatus = (st: SolveStatus) => {
    for (const v of st.vertexes ?? []) {
      const before = tracker.get(v.digest);
      const was = before ? { ...before } : undefined; // update() mutates the record
      const s = tracker.update(v);
      const n = s.index + 1;
      if (!seen.has(s.vertexDigest) && (v.started || v.cached)) {
        seen.add(s.vertexDigest);
        opts.onLine(`#${n} ${s.name}`);
      }
      if (s.cached && !was?.cached) opts.onLine(`#${n} CACHED`);
      if ((s.cached || s.error || s.completedAt) && !(was && (was.cached || was.error || was.completedAt))) opts.onStep?.(s);
      if (s.error && s.error !== was?.error) {
        // A missing cache ref is normal for the first build of a branch; BuildKit reports it
        // as an error of the import vertex, which reads like the build failed. It did not.
        if (/^importing cache manifest/.test(s.name) && /not found/.test(s.error))
          opts.onLine(`#${n} no cache there yet (first build of this ref): ${s.error}`);
        else opts.onLine(`#${n} ERROR: ${s.error}`);
      } else if (v.completed && !s.cached && !s.error && s.startedAt && s.completedAt && !was?.completedAt) {
        opts.onLine(`#${n} DONE ${((s.completedAt.getTime() - s.startedAt.getTime()) / 1000).toFixed(1)}s`);
      }
    }
    for (const log of st.logs ?? []) lines.push(log.vertex, log.stream ?? 1, Buffer.from(log.data, "base64"));
    for (const w of st.warnings ?? []) opts.onLine(`WARNING: ${w.short ? Buffer.from(w.short, "base64").toString("utf8") : "(no detail)"}`);
  };

  const parser = new RawjsonParser({
    onStatus,
    onText: (line) => {
      // buildx's own lines (the error summary is among the last): keep the tail only.
      textLines.push(line);
      if (textLines.length > 1000) textLines.splice(0, textLines.length - 500);
      opts.onLine(line);
    },
  });

  const child = spawn("docker", buildxArgs(req), { env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  // Whole lines only, like the steps' output: a secret cut between two reads is masked whole.
  const stdout = new LineAssembler((_, line) => {
    if (line) opts.onLine(line);
  });
  child.stdout.on("data", (d: Buffer) => stdout.push("stdout", 1, d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => parser.push(d));

  let killTimer: NodeJS.Timeout | undefined;
  const kill = () => {
    killGroup(child.pid, "SIGTERM");
    killTimer = setTimeout(() => killGroup(child.pid, "SIGKILL"), opts.killGraceMs ?? 10_000);
  };
  if (opts.signal?.aborted) kill();
  opts.signal?.addEventListener("abort", kill, { once: true });

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, sig) => resolve([code, sig]));
  });
  opts.signal?.removeEventListener("abort", kill);
  if (killTimer) clearTimeout(killTimer);
  // The group may outlive its leader (plugins, credential helpers): make sure nothing is left.
  if (opts.signal?.aborted) killGroup(child.pid, "SIGKILL");
  parser.end();
  lines.flush();
  stdout.flush();

  let digest: string | undefined;
  if (exitCode === 0) {
    const meta = JSON.parse(await readFile(req.metadataFile, "utf8")) as Record<string, unknown>;
    digest = typeof meta["containerimage.digest"] === "string" ? meta["containerimage.digest"] : undefined;
  }
  return { exitCode, signal, digest, steps: tracker.all(), counts: tracker.counts(), failedStep: tracker.failedStep(), textLines };
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}
