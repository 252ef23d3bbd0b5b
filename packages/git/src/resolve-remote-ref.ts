import { gitAuthEnv } from "./git-auth-env";
import { hardenedGitEnv } from "./hardened-git-env";
import { runCommand } from "./run-command";

export interface RemoteRefQuery {
  /** <SLIPWAY_GIT_BASE_URL>/<owner>/<repo>.git */
  url: string;
  /** SLIPWAY_GIT_BASE_URL: the only host a token is sent to */
  gitBaseUrl: string;
  protocols: readonly string[];
  env: NodeJS.ProcessEnv;
  /** GitHub installation token or PAT (private repositories) */
  token?: string;
  /** a branch or tag name, or a full ref (refs/heads/x, refs/tags/y) */
  ref: string;
  timeoutMs?: number;
}

export type RemoteRef =
  | { kind: "found"; ref: string; refType: "branch" | "tag"; refName: string; sha: string }
  | { kind: "not_found" }
  | { kind: "unreachable"; message: string };

/** A ref name as git allows it (check-ref-format, in short); nothing option-shaped. */
const REF = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\x00-\x20\x7f~^:?*[\\]{1,255}$/;

/**
 * Resolves a branch or tag to its commit with `git ls-remote` against the farm's git host (a
 * branch wins over a tag of the same short name, as `git rev-parse` would decide). An
 * annotated tag resolves to the commit it points at (the `^{}` line).
 */
export async function resolveRemoteRef(q: RemoteRefQuery): Promise<RemoteRef> {
  if (!REF.test(q.ref)) return { kind: "not_found" };
  const full = q.ref.startsWith("refs/") ? [q.ref] : [`refs/heads/${q.ref}`, `refs/tags/${q.ref}`];
  if (!full.every((r) => /^refs\/(heads|tags)\//.test(r))) return { kind: "not_found" };
  const base = hardenedGitEnv(q.env, q.protocols);
  const env = q.token ? gitAuthEnv(base, q.gitBaseUrl, q.token) : base;
  const res = await runCommand("git", ["ls-remote", "--end-of-options", q.url, ...full.flatMap((r) => [r, `${r}^{}`])], {
    env,
    signal: AbortSignal.timeout(q.timeoutMs ?? 30_000),
  }).catch((err: unknown) => ({ code: -1, stdout: "", stderr: (err as Error).message }));
  if (res.code !== 0) {
    const why = res.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit ${res.code}`;
    // The host answered that it has no such repository (or not for this token): git daemon
    // says "access denied or repository not exported" for one it does not serve, which was
    // taken for a host that did not answer (503 to POST /api/v1/builds; found by fuzzing).
    if (
      /not found|does not appear to be a git repository|repository not exported|Authentication failed|could not read Username|terminal prompts disabled/i.test(
        res.stderr,
      )
    )
      return { kind: "not_found" };
    return { kind: "unreachable", message: why };
  }
  const shas = new Map<string, string>();
  for (const line of res.stdout.split("\n")) {
    const [sha, name] = line.split("\t");
    if (sha && name && /^[0-9a-f]{40}$/.test(sha)) shas.set(name, sha);
  }
  for (const r of full) {
    const sha = shas.get(`${r}^{}`) ?? shas.get(r);
    if (!sha) continue;
    const tag = r.startsWith("refs/tags/");
    return { kind: "found", ref: r, refType: tag ? "tag" : "branch", refName: r.slice(tag ? 10 : 11), sha };
  }
  return { kind: "not_found" };
}
