import { zPositiveInt } from "@slipway/config";
import { z } from "zod";

/** Settings of the record retention the api's maintenance loop applies (see pruneRecords). */
export const recordRetentionFields = {
  /** build log chunks are deleted this many days after their build finished (the build, its
   * attempts and steps stay) @defaultValue 30 */
  SLIPWAY_RETAIN_LOGS_DAYS: zPositiveInt(30),
  /** webhook delivery payloads are replaced by {"pruned": true} after this many days (the
   * delivery row, its outcome and reason stay) @defaultValue 14 */
  SLIPWAY_RETAIN_PAYLOADS_DAYS: zPositiveInt(14),
  /** dispatched outbox rows are deleted this many days after dispatch (never undispatched
   * ones) @defaultValue 7 */
  SLIPWAY_RETAIN_OUTBOX_DAYS: zPositiveInt(7),
  /** internal-registry images of attempts that finished this many days ago are removed (the
   * newest succeeded build of each branch, tag and pull request keeps its image) @defaultValue 30 */
  SLIPWAY_RETAIN_IMAGES_DAYS: zPositiveInt(30),
};

/** Settings of a worker's own retention. */
export const mirrorRetentionFields = {
  /** a git mirror no build used for this many days is removed @defaultValue 30 */
  SLIPWAY_RETAIN_MIRRORS_DAYS: zPositiveInt(30),
};

export const ZRetentionSettings = z.object(recordRetentionFields);
export type TRetentionSettings = z.infer<typeof ZRetentionSettings>;

export interface RetentionPolicy {
  logsDays: number;
  payloadsDays: number;
  outboxDays: number;
  /** rows one statement touches: short statements, short locks @defaultValue 1000 */
  batchSize?: number;
  /** a run stops after this long and reports complete: false; the next run goes on
   * @defaultValue 60000 */
  timeBudgetMs?: number;
}

/** The policy of parsed settings (an app's config holds recordRetentionFields). */
export function retentionPolicyOf(settings: TRetentionSettings): RetentionPolicy {
  return {
    logsDays: settings.SLIPWAY_RETAIN_LOGS_DAYS,
    payloadsDays: settings.SLIPWAY_RETAIN_PAYLOADS_DAYS,
    outboxDays: settings.SLIPWAY_RETAIN_OUTBOX_DAYS,
  };
}
