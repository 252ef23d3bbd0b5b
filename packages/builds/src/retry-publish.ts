import { randomUUID } from "node:crypto";
import { AppError, OUTBOX_PUBLISH_ENQUEUE, type TPublishRetry, type TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";

/**
 * POST /builds/:id/publish/retry: publishes a succeeded build's current attempt again without
 * rebuilding, for its failed or pending publishes (a registry that was down, a credential
 * added since). Goes the way every publish goes, an outbox row for the relay, with a job id
 * of its own so BullMQ runs it even though it keeps the first job. The publisher skips tags
 * already pushed at the digest. 409 when the build did not succeed, its image was removed by
 * retention, or nothing failed.
 */
export async function retryPublish(db: Db, id: string, reach: TRepositoryReach): Promise<TPublishRetry> {
  const build = await getBuild(db, id, reach);
  if (build.status !== "succeeded") {
    throw new AppError(
      "conflict",
      `build ${id} is ${build.status}; only a succeeded build's publishes can be retried (POST /builds/${id}/retry runs the build again)`,
    );
  }
  if (build.imageRemovedAt) {
    throw new AppError(
      "conflict",
      `build ${id}'s image was removed from the internal registry on ${build.imageRemovedAt.slice(0, 10)} (retention, SLIPWAY_RETAIN_IMAGES_DAYS); POST /builds/${id}/retry builds it again`,
    );
  }
  const rows = await db.publish.findMany({
    where: { buildId: id, status: { in: ["failed", "pending"] } },
    orderBy: [{ target: "asc" }, { tag: "asc" }],
  });
  if (!rows.length) throw new AppError("conflict", `build ${id} has no failed or pending publish to retry`);
  await db.outboxMessage.create({
    data: { topic: OUTBOX_PUBLISH_ENQUEUE, payload: { buildId: id, attempt: build.attempt, retry: randomUUID() } },
  });
  const byTarget = new Map<string, string[]>();
  for (const r of rows) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r.tag]);
  return { buildId: id, attempt: build.attempt, retried: [...byTarget].map(([target, tags]) => ({ target, tags })) };
}
