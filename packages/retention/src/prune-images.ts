import type { Db } from "@slipway/db";
import { budgetOf } from "./budget";
import type { InternalRegistry } from "./internal-registry";

export interface ImageRetentionPolicy {
  /** images of attempts that finished more than this many days ago are removed */
  imagesDays: number;
  /** attempts one query reads @defaultValue 100 */
  batchSize?: number;
  /** a run stops after this long and reports complete: false @defaultValue 60000 */
  timeBudgetMs?: number;
}

export interface PruneImagesResult {
  /** manifests deleted (no kept attempt had the digest) */
  deleted: number;
  /** tags removed alone, the manifest kept for another attempt with the same digest */
  untagged: number;
  /** attempts whose image is in another registry than the internal one now: recorded, not touched */
  elsewhere: number;
  /** attempts the registry refused to clean (tried again next run); the last reason */
  failed: number;
  lastError?: string;
  complete: boolean;
}

interface Candidate {
  id: string;
  image_ref: string;
  digest: string | null;
  repository_id: string;
  sha: string;
  finished_at: Date;
}

const DAY_MS = 86_400_000;

/**
 * Removes the internal-registry images of attempts that finished before the cutoff, oldest
 * first, and records it on the attempt (image_pruned_at; the digest stays on record). Kept
 * whatever their age: the image of the newest succeeded build of each branch, tag or pull
 * request (a retry of its publish, or a rollback, needs it), and those of builds with a
 * publish still pending.
 *
 * Images share digests (a rebuild of a commit gives the same one, since provenance is off), and
 * the registry deletes a manifest with every tag on it. So an image whose digest a kept
 * attempt of the same repository also has loses only its tag (removeTag); otherwise its
 * manifest is deleted, and the registry's garbage collection frees the blobs no manifest
 * references any more (infra/registry-gc.sh). An attempt's tag is never reused, so removing
 * it cannot take a newer image's name.
 */
export async function pruneImages(db: Db, registry: InternalRegistry, policy: ImageRetentionPolicy, now: Date): Promise<PruneImagesResult> {
  const result: PruneImagesResult = { deleted: 0, untagged: 0, elsewhere: 0, failed: 0, complete: true };
  const cutoff = new Date(now.getTime() - policy.imagesDays * DAY_MS);
  const budget = budgetOf(policy.timeBudgetMs ?? 60_000);
  const batch = policy.batchSize ?? 100;
  // A cursor over (finished_at, id): an attempt that failed is passed over until the next run.
  let cursorAt = new Date(0);
  let cursorId = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    if (budget.spent()) return { ...result, complete: false };
    const candidates = await db.$queryRaw<Candidate[]>`
      SELECT a.id::text AS id, a.image_ref, a.digest, b.repository_id::text AS repository_id, b.sha, a.finished_at
      FROM build_attempts a JOIN builds b ON b.id = a.build_id
      WHERE a.image_pruned_at IS NULL AND a.finished_at < ${cutoff} AND a.image_ref IS NOT NULL
        AND (a.finished_at, a.id) > (${cursorAt}, ${cursorId}::uuid)
        AND NOT EXISTS (SELECT 1 FROM publishes p WHERE p.build_id = b.id AND p.status = 'pending')
        AND NOT (b.status = 'succeeded' AND a.attempt = b.attempt AND NOT EXISTS (
          SELECT 1 FROM builds n WHERE n.repository_id = b.repository_id AND n.ref = b.ref
            AND n.status = 'succeeded' AND n.created_at > b.created_at))
      ORDER BY a.finished_at, a.id
      LIMIT ${batch}`;
    for (const c of candidates) {
      if (budget.spent()) return { ...result, complete: false };
      try {
        await pruneOne(db, registry, c, result);
      } catch (err) {
        // The registry down (retries spent): stop, the next run goes on. Anything else (a
        // refusal for this one image) is counted and passed over.
        if ((err as { kind?: string }).kind === "infrastructure") throw err;
        result.failed++;
        result.lastError = (err as Error).message;
      }
      cursorAt = c.finished_at;
      cursorId = c.id;
    }
    if (candidates.length < batch) return result;
  }
}

async function pruneOne(db: Db, registry: InternalRegistry, c: Candidate, result: PruneImagesResult): Promise<void> {
  const ref = splitRef(c.image_ref);
  if (!ref || ref.host !== registry.host) {
    // Not in the registry this farm uses now: nothing to remove; the attempt is recorded as
    // seen (the build's image is not said to be removed: retention never touched it).
    result.elsewhere++;
    await db.$executeRaw`UPDATE build_attempts SET image_pruned_at = now() WHERE id = ${c.id}::uuid AND image_pruned_at IS NULL`;
    return;
  }
  if (c.digest && !(await digestKept(db, c))) {
    await registry.client.deleteManifest(registry.host, ref.repository, c.digest);
    result.deleted++;
  } else {
    await registry.client.removeTag(registry.host, ref.repository, ref.tag);
    result.untagged++;
  }
  await db.$transaction([
    db.$executeRaw`UPDATE build_attempts SET image_pruned_at = now() WHERE id = ${c.id}::uuid AND image_pruned_at IS NULL`,
    // The build shows its current attempt's image: the API says it is gone.
    db.$executeRaw`UPDATE builds b SET image_pruned_at = now() FROM build_attempts a
      WHERE a.id = ${c.id}::uuid AND b.id = a.build_id AND b.attempt = a.attempt AND b.image_ref = a.image_ref`,
  ]);
}

/**
 * Another attempt of the same repository whose image is kept has this digest, or a build of
 * the same commit is queued or running: it may be pushing this very digest (a rebuild or retry
 * of the commit) before it has recorded it, and deleting the manifest would take its tag.
 * Asked right before each deletion; what is left is the moment between this query and the
 * DELETE, shorter than any build's way from the queue to its push.
 */
async function digestKept(db: Db, c: Candidate): Promise<boolean> {
  const rows = await db.$queryRaw<{ kept: boolean }[]>`
    SELECT EXISTS (
        SELECT 1 FROM build_attempts a JOIN builds b ON b.id = a.build_id
        WHERE b.repository_id = ${c.repository_id}::uuid AND a.digest = ${c.digest} AND a.id <> ${c.id}::uuid
          AND a.image_pruned_at IS NULL)
      OR EXISTS (
        SELECT 1 FROM builds q WHERE q.repository_id = ${c.repository_id}::uuid AND q.sha = ${c.sha}
          AND q.status IN ('queued', 'running')) AS kept`;
  return rows[0]?.kept ?? true;
}

/** "host[:port]/path:tag" (what the builder records) into its parts; undefined for anything else. */
function splitRef(ref: string): { host: string; repository: string; tag: string } | undefined {
  const m = /^([^/]+)\/([a-z0-9._/-]+):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.exec(ref);
  return m ? { host: m[1]!, repository: m[2]!, tag: m[3]! } : undefined;
}
