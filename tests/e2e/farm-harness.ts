// A whole farm in one test process: the real api (HTTP), a build worker and a publisher, all
// on the test's own database and queue prefix, building on the real dockerd and registries.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { BuildWorker } from "@slipway/builder";
import { OctokitGithubClient, ReportWorker, type GithubSettings } from "@slipway/github";
import { createLogger } from "@slipway/logger";
import { internalRegistryLogin, PublishWorker } from "@slipway/publisher";
import { createRedis } from "@slipway/queue";
import { RegistryClient } from "@slipway/registry";
import { testEnv, TestGitServer } from "@slipway/testing";
import { API_TOKEN, eventually, startTestApi, type TestApi } from "../../apps/api/test/harness";

export interface TestFarm {
  api: TestApi;
  git: TestGitServer;
  worker: BuildWorker;
  publisher: PublishWorker;
  /** the GitHub reporter, when the farm has GitHub settings */
  reporter: ReportWorker | undefined;
  cacheDir: string;
  /** restart the build worker with other settings (e.g. a dead DOCKER_HOST) */
  restartWorker: (env?: Record<string, string>, settings?: WorkerOverrides) => Promise<void>;
  /** fetch /api/v1<path> with the bootstrap token */
  apiFetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** waits until the build succeeded, failed or was cancelled; returns it with its relations */
  waitForEnd: (id: string) => Promise<EndedBuild>;
  close: () => Promise<void>;
}

/** Another build host: its own daemon, host label and git mirror folder. */
interface WorkerOverrides {
  registry?: string;
  host?: string;
  cacheDir?: string;
}

const ENDED = ["succeeded", "failed", "cancelled"];
const withRelations = { steps: { orderBy: { index: "asc" as const } }, publishes: true, attempts: { orderBy: { attempt: "asc" as const } } };
type EndedBuild = Awaited<ReturnType<typeof findBuild>>;
const findBuild = (api: TestApi, id: string) => api.db.build.findUniqueOrThrow({ where: { id }, include: withRelations });

export interface TestFarmOptions {
  buildAttempts?: number;
  timeoutMs?: number;
  logMaxBytes?: number;
  /** GitHub settings (SLIPWAY_GITHUB_*, e.g. against a GithubStandIn): workers fetch with its
   * tokens, every stage writes report rows and a reporter runs beside the publisher */
  github?: { settings: GithubSettings; publicUrl?: string };
  /** where workers fetch from instead of the git daemon (e.g. a GitHttpServer), and its protocol */
  gitHost?: { baseUrl: string; protocols: string[] };
  /** every service log line of the worker, publisher and reporter (pino, debug level) */
  logs?: Writable;
  /** PATH for the worker's git and docker processes (e.g. a shim folder first) */
  path?: string;
}

export async function startTestFarm(opts: TestFarmOptions = {}): Promise<TestFarm> {
  const reportToGithub = opts.github !== undefined;
  const api = await startTestApi({ buildAttempts: opts.buildAttempts ?? 3, buildBackoffMs: 200, publishAttempts: 2, publishBackoffMs: 200, reportToGithub });
  const git = await TestGitServer.start();
  const cacheDir = mkdtempSync(join(tmpdir(), "slipway-worker-"));
  const logger = opts.logs ? createLogger({ name: "e2e", level: "debug", destination: opts.logs }) : createLogger({ name: "e2e", level: testEnv.logLevel });
  const github = opts.github ? new OctokitGithubClient(opts.github.settings) : undefined;
  const conns: ReturnType<typeof createRedis>[] = [];
  const conn = (role: "worker" | "producer") => {
    const c = createRedis(testEnv.redisUrl, role);
    c.on("error", () => {});
    conns.push(c);
    return c;
  };

  const makeWorker = (env: Record<string, string> = {}, overrides: WorkerOverrides = {}) => {
    const dir = overrides.cacheDir ?? cacheDir;
    const w = new BuildWorker(
      {
        db: api.db,
        redis: conn("producer"),
        logger,
        settings: {
          workerId: "e2e-worker",
          host: overrides.host ?? "e2e-host",
          registry: overrides.registry ?? testEnv.registry,
          network: testEnv.buildNetwork,
          gitBaseUrl: opts.gitHost?.baseUrl ?? git.baseUrl,
          gitProtocols: opts.gitHost?.protocols ?? ["git"],
          ...(github ? { gitToken: (fullName: string) => github.gitToken(fullName), reportToGithub } : {}),
          registryAuth: { secret: testEnv.registrySecret, basePaths: ["base/*"] },
          cacheDir: dir,
          workDir: join(dir, "work"),
          timeoutMs: opts.timeoutMs ?? 10 * 60_000,
          logMaxBytes: opts.logMaxBytes,
          env: { ...process.env, DOCKER_HOST: testEnv.dockerHost, ...(opts.path ? { PATH: opts.path } : {}), ...env },
        },
      },
      { connection: conn("worker"), subscriber: conn("worker"), prefix: api.prefix },
    );
    // The api's relay stands for the worker's own here: kick it when a build ends (publish).
    w.worker.on("completed", () => api.relay.kick());
    return w;
  };
  const farm: TestFarm = {
    api,
    git,
    cacheDir,
    worker: makeWorker(),
    publisher: new PublishWorker(
      { db: api.db, redis: conn("producer"), logger, registry: new RegistryClient({ credentials: internalRegistryLogin(testEnv.registrySecret, testEnv.registry) }), internalRegistry: testEnv.registry, reportToGithub },
      { connection: conn("worker"), prefix: api.prefix },
    ),
    reporter: github ? new ReportWorker({ db: api.db, github, logger, publicUrl: opts.github?.publicUrl }, { connection: conn("worker"), prefix: api.prefix }) : undefined,
    restartWorker: async (env, settings) => {
      await farm.worker.close();
      farm.worker = makeWorker(env, settings);
    },
    apiFetch: (path, init = {}) => fetch(`${api.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${API_TOKEN}`, ...init.headers } }),
    waitForEnd: async (id) => {
      await eventually(async () => ENDED.includes((await api.db.build.findUniqueOrThrow({ where: { id } })).status), 180_000, `build ${id} to end`);
      return findBuild(api, id);
    },
    close: async () => {
      await farm.worker.close();
      await farm.publisher.close();
      await farm.reporter?.close();
      await api.close();
      await git.destroy();
      for (const c of conns) c.disconnect();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
  return farm;
}
