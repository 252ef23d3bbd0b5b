// A whole farm in one test process: the real api (HTTP), a build worker and a publisher, all
// on the test's own database and queue prefix, building on the real dockerd and registries.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { BuildWorker, type RemoteBuilder } from "@slipway/builder";
import { OctokitGithubClient, ReportWorker, type GithubSettings } from "@slipway/github";
import { createLogger } from "@slipway/logger";
import { internalRegistryLogin, PublishWorker } from "@slipway/publisher";
import { createRedis } from "@slipway/queue";
import { PublishAccess } from "@slipway/registry-credentials";
import { SecretBox, SecretStore } from "@slipway/secrets";
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
  /** another build worker beside the first (its own id; e.g. on host B); closed with the farm */
  addWorker: (env?: Record<string, string>, settings?: WorkerOverrides) => BuildWorker;
  /** restart the build worker with other settings (e.g. a dead DOCKER_HOST) */
  restartWorker: (env?: Record<string, string>, settings?: WorkerOverrides) => Promise<void>;
  /** fetch /api/v1<path> with the bootstrap token */
  apiFetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** every line the publisher logged (pino, debug and up), as text */
  publisherLogs: () => string;
  /** every line the worker and publisher logged (pino, debug level) */
  serviceLogs: () => string;
  /** waits until the build succeeded, failed or was cancelled; returns it with its relations */
  waitForEnd: (id: string) => Promise<EndedBuild>;
  close: () => Promise<void>;
}

/** Another build host: its own daemon, host label and git mirror folder. */
interface WorkerOverrides {
  registry?: string;
  host?: string;
  cacheDir?: string;
  /** false: every build runs BuildKit (tests of the cache itself) @defaultValue true */
  coalesce?: boolean;
  /** @defaultValue e2e-worker */
  workerId?: string;
  /** SLIPWAY_ROUTE_WAIT_MS @defaultValue 10000 */
  routeWaitMs?: number;
  /** a remote BuildKit builder (made with createRemoteBuilder; pass its BUILDX_CONFIG in env) */
  buildkit?: RemoteBuilder;
}

const ENDED = ["succeeded", "failed", "cancelled"];
const withRelations = {
  steps: { orderBy: { index: "asc" as const } },
  publishes: true,
  attempts: { orderBy: { attempt: "asc" as const } },
};
type EndedBuild = Awaited<ReturnType<typeof findBuild>>;
const findBuild = (api: TestApi, id: string) => api.db.build.findUniqueOrThrow({ where: { id }, include: withRelations });

export interface TestFarmOptions {
  buildAttempts?: number;
  timeoutMs?: number;
  logMaxBytes?: number;
  /** SLIPWAY_PUBLIC_PUBLISH_HOSTS of the publisher: registries published to without credentials
   * @defaultValue the test profile's publish registry (SLIPWAY_TEST_PUBLISH_REGISTRY) */
  publicPublishHosts?: string[];
  /** SLIPWAY_SECRET_KEY of the api, the worker and the publisher @defaultValue a random key */
  secretKey?: string;
  /** GitHub settings (SLIPWAY_GITHUB_*, e.g. against a GithubStandIn): workers fetch with its
   * tokens, every stage writes report rows and a reporter runs beside the publisher */
  github?: { settings: GithubSettings; publicUrl?: string };
  /** where workers fetch from instead of the git daemon (e.g. a GitHttpServer), and its protocol */
  gitHost?: { baseUrl: string; protocols: string[] };
  /** also gets every service log line of the worker, publisher and reporter (pino, debug level) */
  logs?: Writable;
  /** false: the worker never reuses an earlier build's image (tests of BuildKit's cache) @defaultValue true */
  coalesce?: boolean;
  /** PATH for the worker's git and docker processes (e.g. a shim folder first) */
  path?: string;
}

export async function startTestFarm(opts: TestFarmOptions = {}): Promise<TestFarm> {
  const reportToGithub = opts.github !== undefined;
  const git = await TestGitServer.start();
  const api = await startTestApi({
    buildAttempts: opts.buildAttempts ?? 3,
    buildBackoffMs: 200,
    publishAttempts: 2,
    publishBackoffMs: 200,
    reportToGithub,
    git: opts.gitHost ?? { baseUrl: git.baseUrl, protocols: ["git"] },
    ...(opts.secretKey ? { secretKey: opts.secretKey } : {}),
  });
  const cacheDir = mkdtempSync(join(tmpdir(), "slipway-worker-"));
  // Kept (at debug level) so tests can check what services log; shown when SLIPWAY_TEST_LOG_LEVEL asks.
  const logged: string[] = [];
  const show = testEnv.logLevel !== "silent";
  const keep = (chunk: unknown) => {
    logged.push(String(chunk));
    opts.logs?.write(chunk);
    if (show) process.stdout.write(String(chunk));
  };
  const logger = createLogger({
    name: "e2e",
    level: "debug",
    destination: new Writable({
      write(chunk, _enc, cb) {
        keep(chunk);
        cb();
      },
    }),
  });
  // The publisher handles registry passwords: what it logs is also kept apart, so tests can look.
  const publisherLines: string[] = [];
  const publisherLogger = createLogger({
    name: "publisher",
    level: "debug",
    destination: new Writable({
      write(chunk, _enc, cb) {
        publisherLines.push(String(chunk));
        keep(chunk);
        cb();
      },
    }),
  });
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
        events: api.events,
        ...(api.secretKey ? { secrets: new SecretStore(api.db, new SecretBox(api.secretKey)) } : {}),
        settings: {
          workerId: overrides.workerId ?? "e2e-worker",
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
          coalesce: overrides.coalesce ?? opts.coalesce ?? true,
          ...(overrides.routeWaitMs !== undefined ? { routeWaitMs: overrides.routeWaitMs } : {}),
          ...(overrides.buildkit ? { buildkit: overrides.buildkit } : {}),
          env: { ...process.env, DOCKER_HOST: testEnv.dockerHost, ...(opts.path ? { PATH: opts.path } : {}), ...env },
        },
      },
      { connection: conn("worker"), subscriber: conn("worker"), prefix: api.prefix },
    );
    // The api's relay stands for the worker's own here: kick it when a build ends (publish).
    w.worker.on("completed", () => api.relay.kick());
    return w;
  };
  const extraWorkers: BuildWorker[] = [];
  const farm: TestFarm = {
    api,
    git,
    cacheDir,
    worker: makeWorker(),
    // The publisher as apps/publisher wires it: the api's secret key reads the credentials
    // stored through the API; the test profile's unauthenticated registry is a public host.
    publisher: new PublishWorker(
      {
        db: api.db,
        redis: conn("producer"),
        logger: publisherLogger,
        events: api.events,
        internalRegistry: testEnv.registry,
        internalLogin: internalRegistryLogin(testEnv.registrySecret, testEnv.registry),
        access: new PublishAccess({
          ...(api.secretKey ? { secrets: new SecretStore(api.db, new SecretBox(api.secretKey)) } : {}),
          publicHosts: opts.publicPublishHosts ?? [testEnv.publishRegistry],
        }),
        reportToGithub,
      },
      { connection: conn("worker"), prefix: api.prefix },
    ),
    reporter: github
      ? new ReportWorker(
          { db: api.db, github, logger, publicUrl: opts.github?.publicUrl },
          { connection: conn("worker"), prefix: api.prefix },
        )
      : undefined,
    addWorker: (env, settings) => {
      const w = makeWorker(env, settings);
      extraWorkers.push(w);
      return w;
    },
    restartWorker: async (env, settings) => {
      await farm.worker.close();
      farm.worker = makeWorker(env, settings);
    },
    publisherLogs: () => publisherLines.join(""),
    serviceLogs: () => logged.join(""),
    apiFetch: (path, init = {}) =>
      fetch(`${api.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${API_TOKEN}`, ...init.headers } }),
    waitForEnd: async (id) => {
      await eventually(
        async () => ENDED.includes((await api.db.build.findUniqueOrThrow({ where: { id } })).status),
        180_000,
        `build ${id} to end`,
      );
      return findBuild(api, id);
    },
    close: async () => {
      await Promise.all([farm.worker.close(), ...extraWorkers.map((w) => w.close())]);
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
