import type { Prisma } from "@slipway/db";
import type { BuildSpec } from "./build-spec";

export interface SupersedeSettings {
  autoCancel: boolean;
  autoCancelDefaultBranch: boolean;
  defaultBranch: string | null;
}

/**
 * Cancels the queued and running builds a new build makes pointless: earlier builds of the
 * same branch, or of the same pull request, of this repository (auto-cancel, on by default).
 * Never for tags (each names a release), nor for the default branch unless the repository asks
 * (each of its commits is published). Runs in the delivery's transaction, so the new build and
 * the cancels commit together; the caller then tells workers (the cancel channel). Returns
 * the builds cancelled.
 */
export async function supersedeBuilds(
  tx: Prisma.TransactionClient,
  repositoryId: string,
  spec: BuildSpec,
  newBuildId: string,
  s: SupersedeSettings,
): Promise<{ id: string; attempt: number }[]> {
  if (!s.autoCancel || spec.refType === "tag") return [];
  if (spec.refType === "branch" && spec.refName === s.defaultBranch && !s.autoCancelDefaultBranch) return [];
  // Only older builds: UUIDv7 ids sort by creation, so a push delivered late never cancels a
  // newer one. One UPDATE ... RETURNING (Prisma's updateMany returns a count only): exactly the
  // rows it changed come back, never a build that finished between a read and the update.
  const now = new Date();
  const victims = await tx.$queryRaw<{ id: string; attempt: number }[]>`
    UPDATE builds SET status = 'cancelled', finished_at = ${now}, superseded_by_id = ${newBuildId}::uuid, error_class = NULL, error_message = NULL, updated_at = ${now}
    WHERE repository_id = ${repositoryId}::uuid AND ref = ${spec.ref} AND status IN ('queued', 'running') AND id < ${newBuildId}::uuid
    RETURNING id::text AS id, attempt`;
  for (const v of victims) {
    await tx.buildAttempt.updateMany({
      where: { buildId: v.id, attempt: v.attempt, status: { in: ["queued", "running"] } },
      data: { status: "cancelled", finishedAt: now },
    });
  }
  return victims;
}
