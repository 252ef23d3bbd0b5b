import { runCommand } from "@slipway/git";
import type { Db } from "@slipway/db";
import type { EarlierBuild } from "./explain-rebuilds";

interface Subject {
  id: string;
  repositoryId: string;
  ref: string;
  baseRef: string | null;
  repository: { defaultBranch: string | null };
}

/**
 * The build a rebuild is explained against: the newest that succeeded and ran BuildKit (not a
 * coalesced one) of the same ref, else of a pull request's base branch, else of the default
 * branch; with its steps and build arguments.
 */
export async function findEarlierBuild(db: Db, b: Subject): Promise<EarlierBuild | undefined> {
  const refs = [
    b.ref,
    b.baseRef ? `refs/heads/${b.baseRef}` : null,
    b.repository.defaultBranch ? `refs/heads/${b.repository.defaultBranch}` : null,
  ].filter((r): r is string => r !== null);
  const rows = await db.$queryRaw<{ id: string; sha: string; attempt: number; config: unknown }[]>`
    SELECT b.id::text AS id, b.sha, b.attempt, a.config FROM builds b
    JOIN build_attempts a ON a.build_id = b.id AND a.attempt = b.attempt
    WHERE b.repository_id = ${b.repositoryId}::uuid AND b.id <> ${b.id}::uuid AND b.status = 'succeeded'
      AND b.coalesced_from_id IS NULL AND COALESCE(b.total_steps, 0) > 0 AND b.ref = ANY(${refs})
    ORDER BY array_position(${refs}::text[], b.ref), b.finished_at DESC
    LIMIT 1`;
  const e = rows[0];
  if (!e) return undefined;
  const steps = await db.buildStep.findMany({
    where: { buildId: e.id, attempt: e.attempt },
    orderBy: { index: "asc" },
    select: { name: true },
  });
  const args = (e.config as { buildArgs?: unknown } | null)?.buildArgs;
  const buildArgs = args && typeof args === "object" ? Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)])) : {};
  return { id: e.id, sha: e.sha, stepNames: steps.map((s) => s.name), buildArgs };
}

/** Changed files matched against COPY sources at most: a larger change is said in one line. */
const MAX_CHANGED_FILES = 5000;

/**
 * Files changed between two commits in the git mirror, under the build context (from the
 * repository root): an array of at most MAX_CHANGED_FILES, { tooMany } past that, undefined
 * when that cannot be told (the earlier commit is not in the mirror).
 */
export async function changedFiles(
  mirrorDir: string,
  from: string,
  to: string,
  context: string,
  env: NodeJS.ProcessEnv,
): Promise<string[] | { tooMany: number } | undefined> {
  if (from === to) return [];
  const path = context.replace(/^\.(\/|$)/, "").replace(/\/+$/, "");
  const res = await runCommand(
    "git",
    ["--git-dir", mirrorDir, "diff", "--name-only", "-z", "--no-renames", from, to, "--", `:(top,literal)${path}`],
    {
      env,
      signal: AbortSignal.timeout(30_000),
    },
  ).catch(() => undefined);
  if (!res || res.code !== 0) return undefined;
  const files = res.stdout.split("\0").filter(Boolean);
  return files.length > MAX_CHANGED_FILES ? { tooMany: files.length } : files;
}
