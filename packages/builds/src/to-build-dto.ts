import type { TBuild } from "@slipway/contracts";
import type { Build } from "@slipway/db";

export type BuildWithRepo = Build & { repository: { fullName: string } };

/** A Build row as the API shows it. */
export function toBuildDto(b: BuildWithRepo): TBuild {
  return {
    id: b.id,
    repository: b.repository.fullName,
    status: b.status,
    trigger: b.trigger,
    ref: b.ref,
    refType: b.refType,
    refName: b.refName,
    supersededBy: b.supersededById,
    pullRequest:
      b.pullRequest === null ? null : { number: b.pullRequest, baseRef: b.baseRef, headRepository: b.headRepository, fromFork: b.fromFork },
    sha: b.sha,
    pusher: b.pusher,
    commitMessage: b.commitMessage,
    attempt: b.attempt,
    workerId: b.workerId,
    host: b.host,
    routing: b.routing,
    imageRef: b.imageRef,
    digest: b.digest,
    imageRemovedAt: b.imagePrunedAt?.toISOString() ?? null,
    coalescedFrom: b.coalescedFromId,
    cachedSteps: b.cachedSteps,
    totalSteps: b.totalSteps,
    error: b.errorClass ? { class: b.errorClass, message: b.errorMessage ?? "" } : null,
    queuedAt: b.queuedAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
    durationMs: b.durationMs,
  };
}
