import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** A remote BuildKit daemon this worker builds on (buildx's remote driver). */
export interface RemoteBuilder {
  /** the buildx builder instance, slipway-<hash of endpoint and TLS folder> */
  name: string;
  /** tcp://host:port or unix:///path */
  endpoint: string;
  /** folder holding ca.pem, cert.pem and key.pem (mutual TLS); absent: no TLS */
  tlsDir?: string;
  /** this worker's buildx state (BUILDX_CONFIG): builder instances live there, apart from other workers' */
  configDir: string;
}

/**
 * The endpoint a worker builds on: picked by a hash of its worker id, so the same worker always
 * picks the same one and many workers spread over the list (a Deployment of workers over a
 * StatefulSet of builders).
 */
export function pickEndpoint(endpoints: readonly string[], workerId: string): string {
  if (!endpoints.length) throw new Error("no BuildKit endpoint to pick from");
  return endpoints[Number.parseInt(sha256(workerId).slice(0, 8), 16) % endpoints.length] as string;
}

/** A URL's host name as sockets take it: an IPv6 address without its brackets ([::1] -> ::1). */
export const socketHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1");

/** The build host label of an endpoint: its host (tcp://buildkitd-0.buildkitd:1234 -> buildkitd-0.buildkitd); a unix socket: undefined (this machine). */
export function endpointHost(endpoint: string): string | undefined {
  const url = new URL(endpoint);
  return url.protocol === "tcp:" ? socketHost(url) : undefined;
}

/** The remote builder of worker `workerId` among `endpoints`, its buildx state under `cacheDir`. */
export function remoteBuilderFor(opts: {
  endpoints: readonly string[];
  tlsDir?: string;
  workerId: string;
  cacheDir: string;
}): RemoteBuilder {
  const endpoint = pickEndpoint(opts.endpoints, opts.workerId);
  return {
    name: `slipway-${sha256(`${endpoint}\n${opts.tlsDir ?? ""}`).slice(0, 12)}`,
    endpoint,
    ...(opts.tlsDir ? { tlsDir: opts.tlsDir } : {}),
    // "worker-" first: a worker id may be "." or ".."; and one made from SLIPWAY_BUILD_HOST
    // may hold a "/": only a plain name of its own under <cache>/buildx.
    configDir: join(opts.cacheDir, "buildx", `worker-${opts.workerId.replace(/[^A-Za-z0-9._-]/g, "_")}`),
  };
}

/** The argv after `docker` that creates (or, `append`, updates) the builder instance. TLS: the files' paths only. */
export function createBuilderArgs(b: RemoteBuilder, append = false): string[] {
  const args = ["buildx", "create", "--name", b.name, "--node", `${b.name}-0`, "--driver", "remote"];
  if (b.tlsDir) {
    const [ca, cert, key] = ["ca.pem", "cert.pem", "key.pem"].map((f) => join(b.tlsDir as string, f));
    args.push("--driver-opt", `cacert=${ca},cert=${cert},key=${key}`);
  }
  if (append) args.push("--append");
  args.push(b.endpoint);
  return args;
}

/**
 * Creates the worker's builder instance in its own BUILDX_CONFIG, and returns the environment
 * buildx must then run with. Idempotent: an instance left by an earlier start is updated in
 * place (`--append` to its one node). Creating does not connect to the endpoint: a builder
 * that is down is found by the pre-try check (buildHostDown), not here.
 */
export async function createRemoteBuilder(b: RemoteBuilder, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  await mkdir(b.configDir, { recursive: true, mode: 0o700 });
  const withConfig = { ...env, BUILDX_CONFIG: b.configDir };
  try {
    await run("docker", createBuilderArgs(b), { env: withConfig });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "");
    if (!/existing instance/.test(stderr))
      throw new Error(`docker buildx create failed for ${b.endpoint}: ${stderr.trim() || (err as Error).message}`, { cause: err });
    await run("docker", createBuilderArgs(b, true), { env: withConfig }).catch((again: { stderr?: unknown; message: string }) => {
      throw new Error(`docker buildx create --append failed for ${b.endpoint}: ${String(again.stderr ?? "").trim() || again.message}`, {
        cause: again,
      });
    });
  }
  return withConfig;
}
