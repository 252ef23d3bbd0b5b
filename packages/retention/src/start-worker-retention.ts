import { join } from "node:path";
import type { Logger } from "pino";
import { pruneMirrors } from "./prune-mirrors";
import { sweepScratch } from "./sweep-scratch";

export interface WorkerRetentionOptions {
  /** SLIPWAY_WORKER_CACHE_DIR: scratch folders in <cacheDir>/work, mirrors in <cacheDir>/git */
  cacheDir: string;
  /** SLIPWAY_RETAIN_MIRRORS_DAYS */
  mirrorsDays: number;
  /** how often mirrors are pruned after the first time @defaultValue one day */
  everyMs?: number;
}

/**
 * A worker's own retention: at start, the scratch folders of builds no process runs any more
 * (a worker killed mid-build) are removed, and git mirrors unused for `mirrorsDays`; the
 * mirrors again every `everyMs` on a timer that never keeps the process alive. Failures are
 * logged, never fatal: a worker that cannot tidy up can still build. Answers once the start
 * pass is done, with a function that stops the timer.
 */
export async function startWorkerRetention(logger: Logger, o: WorkerRetentionOptions): Promise<() => void> {
  const mirrorsDir = join(o.cacheDir, "git");
  const mirrors = async () => {
    try {
      const r = await pruneMirrors(mirrorsDir, o.mirrorsDays, new Date());
      logger.info({ removed: r.removed, bytes: r.bytes, maxAgeDays: o.mirrorsDays }, "retention: unused git mirrors removed");
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "retention: pruning git mirrors failed");
    }
  };
  try {
    const r = await sweepScratch(join(o.cacheDir, "work"));
    logger.info({ removed: r.removed, bytes: r.bytes }, "retention: scratch folders of dead builds removed");
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "retention: sweeping scratch folders failed");
  }
  await mirrors();
  const timer = setInterval(() => void mirrors(), o.everyMs ?? 86_400_000);
  timer.unref();
  return () => clearInterval(timer);
}
