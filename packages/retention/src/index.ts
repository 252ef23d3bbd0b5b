export { pruneRecords, type PruneRecordsResult } from "./prune-records";
export { PRUNED_PAYLOAD } from "./prune-payloads";
export {
  mirrorRetentionFields,
  recordRetentionFields,
  retentionPolicyOf,
  ZRetentionSettings,
  type RetentionPolicy,
  type TRetentionSettings,
} from "./retention-policy";
export { lockScratch } from "./scratch-lock";
export { sweepScratch, type SweepResult } from "./sweep-scratch";
export { MIRROR_LOCK_STALE_MS, pruneMirrors } from "./prune-mirrors";
export { startWorkerRetention, type WorkerRetentionOptions } from "./start-worker-retention";
export { pruneImages, type ImageRetentionPolicy, type PruneImagesResult } from "./prune-images";
export { dropRefCaches, type DropRefCachesOptions, type DropRefCachesResult } from "./drop-ref-caches";
export type { InternalRegistry } from "./internal-registry";
export { refGoneOnGitHost, type GitHost } from "./ref-gone-on-git-host";
