import { internalCachePath, sanitizeTag } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { budgetOf } from "./budget";
import { readMark, saveMark } from "./maintenance-mark";
import type { InternalRegistry } from "./internal-registry";

export interface DropRefCachesResult {
  /** cache tags removed (a deleted branch or tag, a closed pull request) */
  dropped: number;
  /** their manifests deleted too (no other cache tag had the digest) */
  manifestsDeleted: number;
  /** deletions passed over: the ref is still there (pushed again, or the delivery was not
   * true), it is the default branch, or another ref built lately writes the same cache tag */
  kept: number;
  /** deletions the registry refused to carry out (not tried again); the last reason */
  failed: number;
  lastError?: string;
  /** false when the run stopped early (time budget, git host or registry unreachable): the next run goes on */
  complete: boolean;
}

export interface DropRefCachesOptions {
  /**
   * Whether `ref` (refs/heads/x, refs/tags/y) is really gone from the repository on the git
   * host: true gone, false still there, undefined when the host could not say (the run stops
   * and tries again next time). A deletion is a claim of a delivery signed with the secret
   * every connected repository shares, so it is checked before a cache goes. Without it
   * (tests, a farm without a git host to ask) deletions are believed.
   */
  refGone?: (repository: string, ref: string) => Promise<boolean | undefined>;
  /** a run stops after this long and reports complete: false @defaultValue 60000 */
  timeBudgetMs?: number;
}

interface Deletion {
  id: string;
  received_at: Date;
  event: string;
  ref: string | null;
  number: string | null;
  repository_id: string;
  full_name: string;
  github_id: bigint;
  default_branch: string | null;
}

const MARK = "drop-ref-caches";
/** Deliveries committed out of order (batches of several api processes) are read again. */
const OVERLAP_MS = 5 * 60_000;
/** A first run looks back this far. */
const FIRST_LOOK_BACK_MS = 7 * 86_400_000;
/** A cache repository with more tags than this keeps an untagged manifest (the tag still goes). */
const MAX_TAGS_COMPARED = 1000;
const PAGE = 200;

/** Stops a run: what follows is tried again at the next one. */
class StopRun extends Error {}

/**
 * Drops the layer cache of refs that are gone: a branch or tag deleted (GitHub's push with
 * `deleted: true`) or a pull request closed. Walks the deliveries that say so in time order
 * from where the last run stopped (maintenance_marks), so each run reads only what arrived
 * since; the mark moves after each page. A ref pushed again after its deletion, or still on
 * the git host (refGone), keeps its cache, as does the default branch (every other ref reads
 * it). Removing a tag is idempotent, so a delivery read twice costs one HEAD.
 */
export async function dropRefCaches(
  db: Db,
  registry: InternalRegistry,
  now: Date,
  opts: DropRefCachesOptions = {},
): Promise<DropRefCachesResult> {
  const result: DropRefCachesResult = { dropped: 0, manifestsDeleted: 0, kept: 0, failed: 0, complete: true };
  const budget = budgetOf(opts.timeBudgetMs ?? 60_000);
  const previous = await readMark(db, MARK);
  const from = new Date((previous?.getTime() ?? now.getTime() - FIRST_LOOK_BACK_MS + OVERLAP_MS) - OVERLAP_MS);
  const save = (at: Date) => saveMark(db, MARK, at);
  let cursorAt = from;
  let cursorId = "00000000-0000-0000-0000-000000000000";
  try {
    for (;;) {
      // Per repository through the (repository_id, received_at) index: a range of recent rows each.
      const rows = await db.$queryRaw<Deletion[]>`
        SELECT d.id::text AS id, d.received_at, d.event, d.ref, d.number, r.id::text AS repository_id,
          r.full_name, r.github_id, r.default_branch
        FROM repositories r CROSS JOIN LATERAL (
          SELECT d.id, d.received_at, d.event, d.payload->>'ref' AS ref, d.payload->>'number' AS number
          FROM webhook_deliveries d
          WHERE d.repository_id = r.id AND d.received_at >= ${from} AND d.received_at <= ${now} AND d.outcome = 'ignored'
            AND ((d.event = 'push' AND d.payload->>'deleted' = 'true') OR (d.event = 'pull_request' AND d.action = 'closed'))
        ) d
        WHERE (d.received_at, d.id) > (${cursorAt}, ${cursorId}::uuid)
        ORDER BY d.received_at, d.id
        LIMIT ${PAGE}`;
      for (const d of rows) {
        if (budget.spent()) throw new StopRun();
        // Read again from the overlap: a ref kept is counted once, the first time.
        await dropOne(db, registry, d, result, opts, previous !== undefined && d.received_at < previous);
        cursorAt = d.received_at;
        cursorId = d.id;
      }
      if (rows.length < PAGE) break;
      await save(cursorAt);
    }
    // All read: the next run starts from here (the overlap covers late commits).
    await save(new Date(Math.max(cursorAt.getTime(), now.getTime() - OVERLAP_MS)));
    return result;
  } catch (err) {
    if (!(err instanceof StopRun) && (err as { kind?: string }).kind !== "infrastructure") throw err;
    // Everything before the cursor is done; the next run goes on from there.
    await save(cursorAt);
    return { ...result, complete: false };
  }
}

async function dropOne(
  db: Db,
  registry: InternalRegistry,
  d: Deletion,
  result: DropRefCachesResult,
  opts: DropRefCachesOptions,
  reread: boolean,
): Promise<void> {
  const keep = () => {
    if (!reread) result.kept++;
  };
  const target = cacheTagOf(d);
  const defaultTag = d.default_branch ? sanitizeTag(`branch-${d.default_branch}`) : undefined;
  if (!target || target.tag === defaultTag || (await stillInUse(db, d, target))) return keep();
  if (target.refType !== "pull_request" && opts.refGone) {
    const gone = await opts.refGone(d.full_name, `refs/${target.refType === "branch" ? "heads" : "tags"}/${target.refName}`);
    if (gone === undefined) throw new StopRun();
    if (!gone) return keep();
  }
  const repository = internalCachePath(d.github_id);
  try {
    const previous = await registry.client.removeTag(registry.host, repository, target.tag);
    if (!previous) return;
    result.dropped++;
    if (await otherTagHas(registry, repository, previous)) return;
    if (await registry.client.deleteManifest(registry.host, repository, previous)) result.manifestsDeleted++;
  } catch (err) {
    // The registry down: stop (caught above). A refusal of this one: counted, passed over.
    if ((err as { kind?: string }).kind === "infrastructure") throw err;
    result.failed++;
    result.lastError = (err as Error).message;
  }
}

type Target = { refType: "branch" | "tag"; refName: string; tag: string } | { refType: "pull_request"; number: number; tag: string };

/** The cache tag a deleted ref or closed pull request wrote (internalRefs in @slipway/builder names them). */
function cacheTagOf(d: Deletion): Target | undefined {
  if (d.event === "pull_request") {
    const n = Number(d.number);
    return Number.isSafeInteger(n) && n > 0 ? { refType: "pull_request", number: n, tag: `pr-${n}` } : undefined;
  }
  const m = /^refs\/(heads|tags)\/(.+)$/.exec(d.ref ?? "");
  if (!m) return undefined;
  const refType = m[1] === "heads" ? "branch" : "tag";
  return { refType, refName: m[2]!, tag: sanitizeTag(`${refType}-${m[2]!}`) };
}

/**
 * The ref was built again after the deletion arrived (re-created, reopened), or another ref
 * built in the last 30 days writes the same cache tag (`feature/x` and `feature-x` both
 * write branch-feature-x).
 */
async function stillInUse(db: Db, d: Deletion, t: Target): Promise<boolean> {
  if (t.refType === "pull_request") {
    const again = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM builds WHERE repository_id = ${d.repository_id}::uuid AND pull_request = ${t.number}
        AND created_at > ${d.received_at}`;
    return (again[0]?.n ?? 0) > 0;
  }
  const refs = await db.$queryRaw<{ ref_name: string; again: boolean }[]>`
    SELECT ref_name, bool_or(created_at > ${d.received_at}) AS again FROM builds
    WHERE repository_id = ${d.repository_id}::uuid AND ref_type = ${t.refType}::ref_type
      AND created_at > ${d.received_at}::timestamptz - interval '30 days'
    GROUP BY ref_name`;
  return refs.some((r) => (r.ref_name === t.refName ? r.again : sanitizeTag(`${t.refType}-${r.ref_name}`) === t.tag));
}

/** Some other tag of the cache repository points at `digest` (two refs with identical caches). */
async function otherTagHas(registry: InternalRegistry, repository: string, digest: string): Promise<boolean> {
  const tags = await registry.client.listTags(registry.host, repository);
  if (tags.length > MAX_TAGS_COMPARED) return true;
  for (let i = 0; i < tags.length; i += 8) {
    const digests = await Promise.all(tags.slice(i, i + 8).map((t) => registry.client.manifestDigest(registry.host, repository, t)));
    if (digests.includes(digest)) return true;
  }
  return false;
}
