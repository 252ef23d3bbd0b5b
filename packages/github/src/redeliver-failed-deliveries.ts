import type { Db } from "@slipway/db";
import type { Logger } from "pino";
import { classifyGithubError } from "./classify-github-error";
import type { GithubClient, HookDelivery } from "./github-client";

export interface RedeliverDeps {
  github: Pick<GithubClient, "listHookDeliveries" | "redeliverHookDelivery">;
  db: Db;
  logger: Logger;
  /**
   * guids this process asked GitHub to redeliver, and when (kept by the caller between runs).
   * GitHub answers 202 and delivers later; until the new attempt is listed, only this says it
   * was asked.
   */
  asked?: Map<string, number>;
}

export interface RedeliverOptions {
  /** how far back deliveries are looked at, ms @defaultValue 6 hours */
  sinceMs?: number;
  now?: number;
  /** a guid redelivered (by anyone) this recently is not asked for again, ms @defaultValue 30 minutes */
  askAgainAfterMs?: number;
  /** a guid whose redeliveries failed this many times is given up @defaultValue 3 */
  maxRedeliveries?: number;
  /** redeliveries asked for per run @defaultValue 100 */
  maxPerRun?: number;
  /** pages of 100 deliveries listed per run @defaultValue 10 */
  maxPages?: number;
}

export interface RedeliveryCounts {
  /** attempts GitHub listed in the window */
  listed: number;
  /** guids none of whose attempts was answered 2xx */
  failed: number;
  /** of those, guids the farm stored anyway (it answered too late, or after storing) */
  alreadyStored: number;
  redelivered: number;
  /** guids whose redeliveries failed maxRedeliveries times */
  gaveUp: number;
  /** redeliveries GitHub refused or did not answer */
  errors: number;
}

const ok = (d: HookDelivery) => d.statusCode >= 200 && d.statusCode < 300;
/** The farm did not take it: no answer (0), 5xx (api or PostgreSQL down), a timeout or too many
 * requests. A 4xx otherwise is the farm refusing the delivery on purpose (bad signature,
 * payload it cannot build from): sending it again would be refused again. */
const lost = (d: HookDelivery) => d.statusCode === 0 || d.statusCode >= 500 || d.statusCode === 408 || d.statusCode === 429;
const at = (d: HookDelivery) => Date.parse(d.deliveredAt);

/**
 * Asks GitHub to redeliver the App's webhook deliveries of the last `sinceMs` that the farm
 * lost: no attempt answered 2xx (5xx while the api or PostgreSQL was down, 0 when nothing
 * answered) and the guid is not in `webhook_deliveries`. GitHub never redelivers by itself.
 * Redelivery is safe to repeat: the farm dedupes on X-GitHub-Delivery, which GitHub keeps.
 *
 * Whether a guid was already asked for is read from GitHub's list first: each redelivery is
 * listed as its own attempt (`redelivery: true`), so a recent one means someone asked (this
 * process, another api replica holding the maintenance lease before, or a person in GitHub's
 * UI), and that holds across restarts. A map in memory alone would forget on restart and not
 * see other processes. The list misses only the minutes between GitHub's 202 and the attempt
 * being made; `deps.asked` covers those.
 */
export async function redeliverFailedDeliveries(deps: RedeliverDeps, opts: RedeliverOptions = {}): Promise<RedeliveryCounts> {
  const now = opts.now ?? Date.now();
  const askAgainAfterMs = opts.askAgainAfterMs ?? 30 * 60_000;
  const maxRedeliveries = opts.maxRedeliveries ?? 3;
  const { deliveries, complete } = await deps.github.listHookDeliveries(now - (opts.sinceMs ?? 6 * 3600_000), opts.maxPages ?? 10);
  const counts: RedeliveryCounts = { listed: deliveries.length, failed: 0, alreadyStored: 0, redelivered: 0, gaveUp: 0, errors: 0 };
  for (const [guid, when] of deps.asked ?? []) if (now - when >= askAgainAfterMs) deps.asked!.delete(guid);

  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of deliveries) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const candidates: HookDelivery[] = [];
  for (const [guid, attempts] of byGuid) {
    if (attempts.some(ok)) continue;
    counts.failed++;
    attempts.sort((a, b) => at(a) - at(b) || a.id - b.id);
    // Refused on purpose, or first sent before the window (only its redeliveries are listed,
    // so the count of those says nothing): not asked again.
    if (!attempts.every(lost) || attempts[0]!.redelivery) {
      counts.gaveUp++;
      continue;
    }
    const newest = attempts[attempts.length - 1]!;
    const redeliveries = attempts.filter((a) => a.redelivery);
    if (redeliveries.length >= maxRedeliveries) counts.gaveUp++;
    else if (!(newest.redelivery && now - at(newest) < askAgainAfterMs) && !deps.asked?.has(guid)) candidates.push(newest);
  }

  const stored = candidates.length
    ? await deps.db.webhookDelivery.findMany({
        where: { githubDelivery: { in: candidates.map((c) => c.guid) } },
        select: { githubDelivery: true },
      })
    : [];
  const storedGuids = new Set(stored.map((s) => s.githubDelivery));
  counts.alreadyStored = storedGuids.size;

  // Oldest first, so the farm sees a repository's pushes in about the order they were made.
  const toAsk = candidates.filter((c) => !storedGuids.has(c.guid)).sort((a, b) => at(a) - at(b));
  for (const d of toAsk.slice(0, opts.maxPerRun ?? 100)) {
    try {
      await deps.github.redeliverHookDelivery(d.id);
      deps.asked?.set(d.guid, now);
      counts.redelivered++;
    } catch (err) {
      counts.errors++;
      const verdict = classifyGithubError(err);
      deps.logger.warn({ guid: d.guid, event: d.event, err: verdict.message }, "GitHub did not redeliver a webhook delivery");
      // Asking on would only spend more of the limit; the next run starts again.
      if (verdict.kind === "rate-limited") break;
    }
  }
  if (!complete)
    deps.logger.warn({ listed: counts.listed }, "webhook deliveries: more than the listing bound in the window; older ones not looked at");
  deps.logger.info({ ...counts }, "webhook redelivery run");
  return counts;
}
