import type { Db } from "@slipway/db";

/** The repository that owns a publish target image. */
export interface TargetOwner {
  repositoryId: string;
  fullName: string;
}

/**
 * Claims `image` (canonical registry/repository) for `repositoryId` if nobody holds it, and
 * answers who does. One row per image (primary key) and INSERT ... ON CONFLICT DO NOTHING:
 * of two first publishes at the same instant, the second INSERT waits on the key until the
 * first commits, then does nothing, so both read the same owner and exactly one proceeds.
 * Written as SQL because Prisma's upsert may read first and insert after (a window where both
 * see no row) and would overwrite on update; the claim must never move.
 */
export async function claimPublishTarget(db: Db, image: string, repositoryId: string): Promise<TargetOwner> {
  await db.$executeRaw`INSERT INTO publish_targets (image, repository_id) VALUES (${image}, ${repositoryId}::uuid) ON CONFLICT (image) DO NOTHING`;
  const row = await db.publishTarget.findUniqueOrThrow({
    where: { image },
    select: { repositoryId: true, repository: { select: { fullName: true } } },
  });
  return { repositoryId: row.repositoryId, fullName: row.repository.fullName };
}
