import { githubReportMessage, OUTBOX_BUILD_ENQUEUE, type TBuild } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";

export interface ManualBuild {
  repositoryId: string;
  ref: string;
  refType: "branch" | "tag";
  refName: string;
  sha: string;
  /** who asked: "token:<name>" */
  requestedBy: string;
}

/**
 * Queues a build by hand, as a push would (trigger `manual`): the Build, its first attempt and
 * the outbox row that enqueues it, in one transaction. The worker checks that the commit is on
 * the ref, as for any build.
 */
export async function createManualBuild(db: Db, m: ManualBuild, opts: { reportToGithub?: boolean } = {}): Promise<TBuild> {
  const id = await db.$transaction(async (tx) => {
    const build = await tx.build.create({
      data: {
        repositoryId: m.repositoryId,
        trigger: "manual",
        ref: m.ref,
        refType: m.refType,
        refName: m.refName,
        sha: m.sha,
        pusher: m.requestedBy,
        attempts: { create: { attempt: 1, trigger: "manual" } },
      },
      select: { id: true },
    });
    await tx.outboxMessage.create({ data: { topic: OUTBOX_BUILD_ENQUEUE, payload: { buildId: build.id, attempt: 1 } } });
    if (opts.reportToGithub) await tx.outboxMessage.create({ data: githubReportMessage(build.id, 1, "queued") });
    return build.id;
  });
  return getBuild(db, id, null);
}
