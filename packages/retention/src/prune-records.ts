import type { Db } from "@slipway/db";
import { budgetOf } from "./budget";
import { pruneLogChunks } from "./prune-log-chunks";
import { pruneOutbox } from "./prune-outbox";
import { prunePayloads } from "./prune-payloads";
import type { RetentionPolicy } from "./retention-policy";

export interface PruneRecordsResult {
  /** build log chunks deleted */
  logChunks: number;
  /** webhook delivery payloads replaced by {"pruned": true} */
  payloads: number;
  /** dispatched outbox rows deleted */
  outboxRows: number;
  /** false when the time budget ran out first: the next run goes on where this one stopped */
  complete: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Applies the record retention once: old builds' log chunks, old deliveries' payloads and old
 * dispatched outbox rows. Every statement touches at most `batchSize` rows and commits on its
 * own, so a huge backlog never holds long locks; a run stops at its time budget. Builds keep
 * their summary: Build, BuildAttempt and BuildStep rows are never touched. Safe to run again
 * at once (a second run finds nothing) and from one process at a time or several.
 */
export async function pruneRecords(db: Db, policy: RetentionPolicy, now: Date): Promise<PruneRecordsResult> {
  const batch = policy.batchSize ?? 1000;
  const budget = budgetOf(policy.timeBudgetMs ?? 60_000);
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const logs = await pruneLogChunks(db, before(policy.logsDays), batch, budget);
  const payloads = await prunePayloads(db, before(policy.payloadsDays), batch, budget);
  const outbox = await pruneOutbox(db, before(policy.outboxDays), batch, budget);
  return {
    logChunks: logs.removed,
    payloads: payloads.removed,
    outboxRows: outbox.removed,
    complete: logs.complete && payloads.complete && outbox.complete,
  };
}
