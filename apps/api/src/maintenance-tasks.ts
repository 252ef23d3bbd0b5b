import type { Db } from "@slipway/db";
import { redeliverFailedDeliveries, type OctokitGithubClient } from "@slipway/github";
import { reconcileBuilds, reconcilePublishes, type MaintenanceTask } from "@slipway/maintenance";
import type { Producers } from "@slipway/queue";
import { RegistryClient } from "@slipway/registry";
import { internalRegistryLogin } from "@slipway/registry-auth";
import { dropRefCaches, pruneImages, pruneRecords, refGoneOnGitHost, retentionPolicyOf, type InternalRegistry } from "@slipway/retention";
import type { Logger } from "pino";
import type { ApiConfig } from "./config";

interface Deps {
  db: Db;
  producers: Producers;
  logger: Logger;
  github: OctokitGithubClient | undefined;
}

/** The farm's maintenance, run by whichever api process holds the lease (MaintenanceLoop). */
export function maintenanceTasks(config: ApiConfig, { db, producers, logger, github }: Deps): MaintenanceTask[] {
  const reconcile = { db, producers, logger: logger.child({ component: "reconciler" }), reportToGithub: github !== undefined };
  const grace = { graceMs: config.SLIPWAY_RECONCILE_GRACE_MS };
  // Well within the lease (three ticks): a longer backlog goes on at the next run.
  const timeBudgetMs = 2 * config.SLIPWAY_MAINTENANCE_TICK_MS;
  // Retention deletes in the internal registry under a grant of its own (pull, push, delete).
  const registry: InternalRegistry = {
    host: config.SLIPWAY_REGISTRY,
    client: new RegistryClient(
      config.SLIPWAY_REGISTRY_SECRET
        ? {
            credentials: internalRegistryLogin(config.SLIPWAY_REGISTRY_SECRET, config.SLIPWAY_REGISTRY, {
              sub: "retention",
              actions: ["pull", "push", "delete"],
            }),
          }
        : {},
    ),
  };
  // A deletion is a delivery's claim: the git host is asked whether the ref is really gone.
  const refGone = refGoneOnGitHost({
    baseUrl: config.SLIPWAY_GIT_BASE_URL,
    protocols: config.SLIPWAY_GIT_PROTOCOLS,
    ...(github ? { token: (fullName: string) => github.gitToken(fullName) } : {}),
  });
  const tasks: MaintenanceTask[] = [
    {
      name: "reconcile-builds",
      everyMs: config.SLIPWAY_MAINTENANCE_TICK_MS,
      run: async () => ({ ...(await reconcileBuilds(reconcile, grace)) }),
    },
    {
      name: "reconcile-publishes",
      everyMs: config.SLIPWAY_MAINTENANCE_TICK_MS,
      run: async () => ({ ...(await reconcilePublishes(reconcile, grace)) }),
    },
    {
      name: "prune-records",
      everyMs: 3600_000,
      run: async () => {
        const { logChunks, payloads, outboxRows } = await pruneRecords(db, { ...retentionPolicyOf(config), timeBudgetMs }, new Date());
        return { logChunks, payloads, outboxRows };
      },
    },
    {
      name: "prune-images",
      everyMs: 3600_000,
      run: async () => {
        const r = await pruneImages(db, registry, { imagesDays: config.SLIPWAY_RETAIN_IMAGES_DAYS, timeBudgetMs }, new Date());
        if (r.lastError) logger.warn({ failed: r.failed, err: r.lastError }, "prune-images: the registry refused to remove some images");
        return { deleted: r.deleted, untagged: r.untagged, elsewhere: r.elsewhere, failed: r.failed };
      },
    },
    {
      name: "drop-ref-caches",
      everyMs: 60_000,
      run: async () => {
        const r = await dropRefCaches(db, registry, new Date(), { refGone, timeBudgetMs });
        if (r.lastError) logger.warn({ failed: r.failed, err: r.lastError }, "drop-ref-caches: the registry refused to drop some caches");
        return { dropped: r.dropped, manifestsDeleted: r.manifestsDeleted, kept: r.kept, failed: r.failed };
      },
    },
  ];
  // Only an App's webhook deliveries can be listed and redelivered (a PAT has no App hook).
  if (github?.mode === "app" && config.SLIPWAY_REDELIVER_HOURS > 0) {
    const redeliver = { github, db, logger: logger.child({ component: "redeliver" }), asked: new Map<string, number>() };
    tasks.push({
      name: "redeliver-failed",
      everyMs: 5 * 60_000,
      run: async () => ({ ...(await redeliverFailedDeliveries(redeliver, { sinceMs: config.SLIPWAY_REDELIVER_HOURS * 3600_000 })) }),
    });
  }
  return tasks;
}
