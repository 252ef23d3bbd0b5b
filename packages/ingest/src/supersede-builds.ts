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
export async function supersedeBuilds(tx: Prisma.TransactionClient, repositoryId: string, spec: BuildSpec, newBuildId: string, s: SupersedeSettings): Promise<{ id: string; attempt: number }[]> {
  if (!s.autoCancel || spec.refType === "tag") return [];
  if (spec.refType === "branch" && spec.refName === s.defaultBranch && !s.autoCancelDefaultBranch) return [];
  // Only older builds: UUIDv7 ids sort by creation, so a push delivered late never cancels a newer one.
  const victims = await tx.build.findMany({
    where: { repositoryId, ref: spec.ref, status: { in: ["queued", "running"] }, id: { lt: newBuildId } },
    select: { id: true, attempt: true },
  });
  if (!victims.length) return [];
  const now = new Date();
  const ids = victims.map((v) => v.id);
  await tx.build.updateMany({ where: { id: { in: ids }, status: { in: ["queued", "running"] } }, data: { status: "cancelled", finishedAt: now, supersededById: newBuildId, errorClass: null, errorMessage: null } });
  for (const v of victims) {
    await tx.buildAttempt.updateMany({ where: { buildId: v.id, attempt: v.attempt, status: { in: ["queued", "running"] } }, data: { status: "cancelled", finishedAt: now } });
  }
  return victims;
}
