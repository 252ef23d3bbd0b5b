// A farm for a benchmark: a fresh migrated database, the real api process and N real worker
// processes (apps/*/src/index.ts), on the test profile's PostgreSQL, Redis, dockerd and
// internal registry. The apps use the farm's own queue prefix ("slipway"), so the queues are
// emptied first: a run starts with no jobs left by an earlier one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDb, type Db } from "@slipway/db";
import { createProducers, createRedis } from "@slipway/queue";
import { createTestDatabase, freePort, testEnv, type TestDatabase } from "@slipway/testing";
import { startFarmProcess, waitForHealthy, type FarmProcess } from "./farm-process";

export interface BenchFarm {
  url: string;
  db: Db;
  database: TestDatabase;
  api: FarmProcess;
  workers: FarmProcess[];
  /** stops the workers, then the api; drops the database */
  close: () => Promise<void>;
}

export interface BenchFarmOptions {
  root: string;
  /** scenario name: log files are .slipway/bench/logs/<name>-*.log */
  name: string;
  webhookSecret: string;
  apiToken: string;
  workers: number;
  gitBaseUrl: string;
  /** node flags for the api (e.g. --cpu-prof) */
  apiNodeArgs?: string[];
}

/** Empties the farm's build, publish and report queues (prefix "slipway") on the test Redis. */
async function emptyFarmQueues(): Promise<void> {
  const redis = createRedis(testEnv.redisUrl, "producer");
  const producers = createProducers(redis);
  try {
    for (const p of [producers.build, producers.publish, producers.report]) await p.queue.obliterate({ force: true });
  } finally {
    await producers.close();
    redis.disconnect();
  }
}

export async function startBenchFarm(o: BenchFarmOptions): Promise<BenchFarm> {
  await emptyFarmQueues();
  const database = await createTestDatabase(testEnv.adminDatabaseUrl);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logs = join(o.root, ".slipway", "bench", "logs");
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv.redisUrl,
    DOCKER_HOST: testEnv.dockerHost,
    SLIPWAY_REGISTRY: testEnv.registry,
    SLIPWAY_GIT_BASE_URL: o.gitBaseUrl,
    SLIPWAY_GIT_PROTOCOLS: "git",
    LOG_LEVEL: "warn",
  };
  const api = startFarmProcess({
    root: o.root,
    app: "api",
    logFile: join(logs, `${o.name}-api.log`),
    nodeArgs: o.apiNodeArgs,
    env: { ...common, HOST: "127.0.0.1", PORT: String(port), SLIPWAY_WEBHOOK_SECRET: o.webhookSecret, SLIPWAY_API_TOKEN: o.apiToken },
  });
  const cacheDir = mkdtempSync(join(tmpdir(), "slipway-bench-worker-"));
  const workers: FarmProcess[] = [];
  const close = async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api.stop();
    await db.$disconnect();
    await database.drop();
    rmSync(cacheDir, { recursive: true, force: true });
  };
  const db = createDb({ databaseUrl: database.url, poolSize: 4 });
  try {
    await waitForHealthy(url, api);
    for (let i = 0; i < o.workers; i++) {
      workers.push(
        startFarmProcess({
          root: o.root,
          app: "worker",
          logFile: join(logs, `${o.name}-worker-${i + 1}.log`),
          env: {
            ...common,
            SLIPWAY_WORKER_ID: `bench-${i + 1}`,
            SLIPWAY_BUILD_HOST: "bench-host",
            SLIPWAY_BUILD_NETWORK: testEnv.buildNetwork,
            SLIPWAY_REGISTRY_SECRET: testEnv.registrySecret,
            // One git mirror folder per worker, as on separate hosts.
            SLIPWAY_WORKER_CACHE_DIR: join(cacheDir, `w${i + 1}`),
            SLIPWAY_SHUTDOWN_GRACE_S: "2",
          },
        }),
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { url, db, database, api, workers, close };
}
