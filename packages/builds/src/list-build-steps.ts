import type { TBuildStep, TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";
import { resolveAttempt } from "./resolve-attempt";

/** The steps a running attempt has told so far (kept beside the farm's event stream). */
export type LiveSteps = (buildId: string, attempt: number) => Promise<TBuildStep[]>;

/**
 * The BuildKit steps of one attempt (default: the latest), in order of first appearance. The
 * worker stores them as the attempt ends; while it runs, `live` (when given) tells those
 * finished so far.
 */
export async function listBuildSteps(
  db: Db,
  id: string,
  reach: TRepositoryReach,
  attempt?: number,
  live?: LiveSteps,
): Promise<{ attempt: number; steps: TBuildStep[] }> {
  const build = await getBuild(db, id, reach);
  const n = resolveAttempt(build.attempt, attempt);
  const rows = await db.buildStep.findMany({ where: { buildId: id, attempt: n }, orderBy: { index: "asc" } });
  if (!rows.length && live) {
    const running = await db.buildAttempt.count({ where: { buildId: id, attempt: n, status: "running" } });
    if (running) return { attempt: n, steps: await live(id, n) };
  }
  return {
    attempt: n,
    steps: rows.map((s) => ({
      index: s.index,
      name: s.name,
      vertexDigest: s.vertexDigest,
      cached: s.cached,
      startedAt: s.startedAt?.toISOString() ?? null,
      completedAt: s.completedAt?.toISOString() ?? null,
      durationMs: s.startedAt && s.completedAt ? s.completedAt.getTime() - s.startedAt.getTime() : null,
      error: s.error,
      rebuildReason: s.rebuildReason,
    })),
  };
}
