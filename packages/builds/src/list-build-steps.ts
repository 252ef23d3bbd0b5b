import type { TBuildStep, TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";
import { resolveAttempt } from "./resolve-attempt";

/** The BuildKit steps of one attempt (default: the latest), in order of first appearance. */
export async function listBuildSteps(db: Db, id: string, reach: TRepositoryReach, attempt?: number): Promise<{ attempt: number; steps: TBuildStep[] }> {
  const build = await getBuild(db, id, reach);
  const n = resolveAttempt(build.attempt, attempt);
  const rows = await db.buildStep.findMany({ where: { buildId: id, attempt: n }, orderBy: { index: "asc" } });
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
    })),
  };
}
