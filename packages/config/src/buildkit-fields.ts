import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { zBool, zCommaList } from "./env-fields";

/** The files SLIPWAY_BUILDKIT_TLS_DIR must hold (buildx remote driver: cacert, cert, key). */
const BUILDKIT_TLS_FILES = ["ca.pem", "cert.pem", "key.pem"] as const;

/** What is missing from a TLS folder (SLIPWAY_BUILDKIT_TLS_DIR), or undefined when it holds every file. */
export function buildkitTlsProblem(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  const missing = BUILDKIT_TLS_FILES.filter((f) => !existsSync(join(dir, f)));
  return missing.length ? `${dir} has no ${missing.join(", ")} (it needs ca.pem, cert.pem and key.pem)` : undefined;
}

/** Why `endpoint` is not a BuildKit address the remote driver takes, or undefined when it is. */
function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `${endpoint} is not a URL`;
  }
  if (url.protocol === "tcp:") {
    if (!url.hostname || !url.port) return `${endpoint} needs a host and a port (tcp://host:port)`;
    if (url.pathname.replace(/^\/$/, "") || url.search || url.hash || url.username || url.password)
      return `${endpoint} must be tcp://host:port and nothing more`;
    return undefined;
  }
  if (url.protocol === "unix:") return url.hostname || url.pathname.length < 2 ? `${endpoint} must be unix:///absolute/path` : undefined;
  return `${endpoint} has the scheme ${url.protocol}// (tcp:// or unix:// only)`;
}

/**
 * Remote BuildKit builders (buildx's remote driver): the worker builds on one of these instead
 * of its Docker daemon's BuildKit.
 */
export const buildkitFields = {
  /** BuildKit daemons to build on, comma-separated (tcp://host:port or unix:///path); the
   * worker picks one by a hash of its worker id. Unset: builds run on DOCKER_HOST's daemon */
  SLIPWAY_BUILDKIT_ENDPOINT: zCommaList()
    .pipe(z.array(z.string()).max(64, "name at most 64 endpoints"))
    .superRefine((endpoints, ctx) => {
      for (const e of endpoints) {
        const problem = endpointProblem(e);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }
    }),
  /** folder holding ca.pem, cert.pem and key.pem: mutual TLS to the BuildKit endpoint (the
   * worker passes the paths to buildx, never the contents). Unset: no TLS. That the files are
   * there is checked at the worker's start (buildkitTlsProblem), not here: deploy manifests are
   * checked against the loader where the certificates are not mounted */
  SLIPWAY_BUILDKIT_TLS_DIR: z
    .preprocess((v) => (v === "" ? undefined : v), z.string().optional())
    .pipe(
      z
        .string()
        .refine((dir) => dir.startsWith("/"), "must be an absolute path")
        // buildx reads --driver-opt as comma-separated key=value pairs: these would add options.
        .refine((dir) => !/[,="]/.test(dir), 'must not contain , = or "')
        .optional(),
    ),
  /** true: allow tcp:// endpoints off this machine without SLIPWAY_BUILDKIT_TLS_DIR (a network
   * you trust entirely: anyone who reaches a builder can use it, root-equivalent) @defaultValue false */
  SLIPWAY_BUILDKIT_INSECURE: zBool(false),
};

/** A tcp:// endpoint's host is this machine's loopback (no one else can reach it). */
function onLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return isIP(host) === 6 && host === "::1";
}

/** SLIPWAY_BUILDKIT_TLS_DIR means nothing without an endpoint: say so instead of ignoring it. */
export const checkBuildkitFields = (
  c: { SLIPWAY_BUILDKIT_ENDPOINT: string[]; SLIPWAY_BUILDKIT_TLS_DIR?: string | undefined; SLIPWAY_BUILDKIT_INSECURE: boolean },
  ctx: z.RefinementCtx,
) => {
  if (c.SLIPWAY_BUILDKIT_TLS_DIR !== undefined && c.SLIPWAY_BUILDKIT_ENDPOINT.length === 0)
    ctx.addIssue({ code: "custom", message: "is set but SLIPWAY_BUILDKIT_ENDPOINT is not", path: ["SLIPWAY_BUILDKIT_TLS_DIR"] });
  // A builder is root-equivalent and sees the registry credentials buildx sends: plain TCP off
  // this machine is refused unless the operator says the network is trusted.
  if (c.SLIPWAY_BUILDKIT_TLS_DIR !== undefined || c.SLIPWAY_BUILDKIT_INSECURE) return;
  for (const e of c.SLIPWAY_BUILDKIT_ENDPOINT)
    if (e.startsWith("tcp://") && !onLoopback(e))
      ctx.addIssue({
        code: "custom",
        message: `${e} is plain TCP: set SLIPWAY_BUILDKIT_TLS_DIR (mutual TLS), or SLIPWAY_BUILDKIT_INSECURE=true on a network you trust entirely`,
        path: ["SLIPWAY_BUILDKIT_ENDPOINT"],
      });
};
