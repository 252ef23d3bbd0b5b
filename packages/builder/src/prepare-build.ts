import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Repository } from "@slipway/db";
import { CONFIG_FILE, parseBuildConfig, type TBuildConfig } from "./build-config";
import type { BuildxRequest } from "./buildx-args";
import { classifyBuildFailure } from "./classify-failure";
import { timeoutFailure, UserFailure } from "./failures";
import type { AttemptOutcome } from "./record-outcome";
import type { BuildxResult } from "./run-buildx";

export interface PreparedBuild {
  config: TBuildConfig;
  request: Omit<BuildxRequest, "network" | "imageRef" | "cacheFrom" | "cacheTo" | "metadataFile">;
  outcomeOf: (r: BuildxResult, o: { timedOut: boolean; cancelled: boolean; timeoutMs: number; imageRef: string }) => AttemptOutcome;
}

const isFile = async (p: string) => (await stat(p).catch(() => null))?.isFile() ?? false;
const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() ?? false;

/** Reads .slipway.yml from the checkout and turns it into a buildx request (UserFailure if wrong). */
export async function prepareBuild(o: { srcDir: string; repository: Repository; sha: string; commitTime: Date; onLine: (l: string) => void }): Promise<PreparedBuild> {
  const text = await readFile(join(o.srcDir, CONFIG_FILE), "utf8").catch(() => undefined);
  o.onLine(text === undefined ? `slipway: no ${CONFIG_FILE}, using defaults` : `slipway: read ${CONFIG_FILE}`);
  const config = parseBuildConfig(text);
  const dockerfile = join(o.srcDir, config.dockerfile);
  const contextDir = join(o.srcDir, config.context);
  if (!(await isDir(contextDir))) throw new UserFailure(`build context not found: ${config.context} is not a folder in the repository`);
  if (!(await isFile(dockerfile))) throw new UserFailure(`Dockerfile not found: ${config.dockerfile}`);

  const source = o.repository.htmlUrl ?? o.repository.cloneUrl.replace(/\.git$/, "");
  const created = o.commitTime.toISOString();
  const request = {
    contextDir,
    dockerfile,
    ...(config.target ? { target: config.target } : {}),
    // SOURCE_DATE_EPOCH = commit time: image timestamps follow the commit, not the clock,
    // so the same commit and config give the same image.
    buildArgs: { SOURCE_DATE_EPOCH: String(Math.floor(o.commitTime.getTime() / 1000)), ...config.buildArgs },
    labels: {
      "org.opencontainers.image.source": source,
      "org.opencontainers.image.revision": o.sha,
      "org.opencontainers.image.created": created,
    },
  };

  const outcomeOf: PreparedBuild["outcomeOf"] = (r, x) => {
    if (x.cancelled) return { kind: "cancelled", message: "cancelled while building", steps: r.steps, counts: r.counts };
    if (x.timedOut) return { kind: "failed", failure: timeoutFailure(x.timeoutMs), steps: r.steps, counts: r.counts };
    if (r.exitCode === 0 && r.digest) return { kind: "succeeded", digest: r.digest, imageRef: x.imageRef, steps: r.steps, counts: r.counts, config };
    const failure = classifyBuildFailure({ exitCode: r.exitCode, textLines: r.textLines, failedStep: r.failedStep, dockerfile: config.dockerfile });
    return { kind: "failed", failure, steps: r.steps, counts: r.counts };
  };
  return { config, request, outcomeOf };
}
