import { resolveRemoteRef } from "@slipway/git";

export interface GitHost {
  /** SLIPWAY_GIT_BASE_URL */
  baseUrl: string;
  /** SLIPWAY_GIT_PROTOCOLS */
  protocols: readonly string[];
  /** a token for private repositories (GitHub App installation token or PAT) */
  token?: (fullName: string) => Promise<string | undefined>;
}

/**
 * dropRefCaches' refGone, asked of the farm's git host with `git ls-remote` (the hardened
 * environment and token header the worker's fetch uses): true when the host has no such ref,
 * false when it has, undefined when it did not answer.
 */
export function refGoneOnGitHost(host: GitHost): (fullName: string, ref: string) => Promise<boolean | undefined> {
  return async (fullName, ref) => {
    const token = await host.token?.(fullName).catch(() => undefined);
    const found = await resolveRemoteRef({
      url: `${host.baseUrl.replace(/\/+$/, "")}/${fullName}.git`,
      gitBaseUrl: host.baseUrl,
      protocols: host.protocols,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      ref,
      ...(token ? { token } : {}),
    });
    return found.kind === "unreachable" ? undefined : found.kind === "not_found";
  };
}
