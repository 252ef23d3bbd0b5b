import { CONFIG_FILE, parseBuildConfig, type TBuildConfig } from "./build-config";
import type { BuildxRequest } from "./buildx-args";
import { checkFrontend } from "./check-frontend";
import { classifyBuildFailure } from "./classify-failure";
import { UserFailure } from "./failures";
import type { AttemptOutcome } from "./record-outcome";
import { readConfigFile, resolveInRepo } from "./resolve-in-repo";
import type { BuildxResult } from "./run-buildx";

export interface PreparedBuild {
  config: TBuildConfig;
  request: Omit<BuildxRequest, "network" | "imageRef" | "cacheFrom" | "cacheTo" | "metadataFile">;
  /** the outcome of a buildx run that was not stopped from outside (see abortedOutcome) */
  outcomeOf: (r: BuildxResult, imageRef: string) => AttemptOutcome;
}

/** Reads .slipway.yml from the checkout and turns it into a buildx request (UserFailure if wrong). */
export interface PrepareOptions {
  srcDir: string;
  /** the repository's web address, for the OCI source label */
  sourceUrl: string;
  sha: string;
  commitTime: Date;
  internalRegistry: string;
  /** BUILDKIT_CACHE_MOUNT_NS: RUN --mount=type=cache contents are kept per repository */
  cacheMountNamespace: string;
  /** image prefixes a `# syntax=` directive may name besides docker/dockerfile (base images) */
  frontendPrefixes: readonly string[];
  onLine: (l: string) => void;
}

export async function prepareBuild(o: PrepareOptions): Promise<PreparedBuild> {
  const text = await readConfigFile(o.srcDir, CONFIG_FILE);
  o.onLine(text === undefined ? `slipway: no ${CONFIG_FILE}, using defaults` : `slipway: read ${CONFIG_FILE}`);
  const config = parseBuildConfig(text);
  const contextDir = await resolveInRepo(o.srcDir, config.context, "context", "dir");
  const dockerfile = await resolveInRepo(o.srcDir, config.dockerfile, "dockerfile", "file");
  await checkFrontend(dockerfile, o.frontendPrefixes);
  for (const target of config.publish) {
    if (isInternalRegistry(target.image, o.internalRegistry)) {
      throw new UserFailure(`${CONFIG_FILE} publish target ${target.image} is the farm's internal registry; publish to another registry`);
    }
  }

  const created = o.commitTime.toISOString();
  const request = {
    contextDir,
    dockerfile,
    ...(config.target ? { target: config.target } : {}),
    // SOURCE_DATE_EPOCH = commit time: image timestamps follow the commit, not the clock,
    // so the same commit and config give the same image.
    // BUILDKIT_CACHE_MOUNT_NS last (and BUILDKIT_* refused in .slipway.yml): two repositories
    // on one daemon with the same `RUN --mount=type=cache,target=/root/.m2` never share it.
    buildArgs: {
      SOURCE_DATE_EPOCH: String(Math.floor(o.commitTime.getTime() / 1000)),
      ...config.buildArgs,
      BUILDKIT_CACHE_MOUNT_NS: o.cacheMountNamespace,
    },
    labels: {
      "org.opencontainers.image.source": o.sourceUrl,
      "org.opencontainers.image.revision": o.sha,
      "org.opencontainers.image.created": created,
    },
  };

  const outcomeOf: PreparedBuild["outcomeOf"] = (r, imageRef) => {
    if (r.exitCode === 0 && r.digest) return { kind: "succeeded", digest: r.digest, imageRef, steps: r.steps, counts: r.counts, config };
    const failure = classifyBuildFailure({
      exitCode: r.exitCode,
      textLines: r.textLines,
      failedStep: r.failedStep,
      dockerfile: config.dockerfile,
    });
    return { kind: "failed", failure, steps: r.steps, counts: r.counts };
  };
  return { config, request, outcomeOf };
}

/** Whether an image ref points at the internal registry (same port, any loopback alias). */
function isInternalRegistry(image: string, internal: string): boolean {
  const host = image.split("/")[0]!.toLowerCase();
  const norm = (h: string) => h.replace(/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(?=:|$)/, "loopback");
  return norm(host) === norm(internal.toLowerCase());
}
