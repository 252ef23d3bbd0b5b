// A farm of separate processes, as `npm run farm` runs one: the api, a publisher and N build
// workers, each `node --import tsx apps/<app>/src/index.ts` configured by environment only,
// on a fresh test database and a Redis database of their own, building on the test daemon.
// The logs and scale benchmarks use it: an api process of its own has an RSS to read, and
// workers in processes of their own scale the way a deployment does (an in-process farm shares
// one event loop between api, workers and the benchmark's own client).
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, type Db } from "@slipway/db";
import { createRedis } from "@slipway/queue";
import { createTestDatabase, freePort, testEnv, TestGitServer, type TestDatabase } from "@slipway/testing";
import { API_TOKEN, eventually, WEBHOOK_SECRET } from "../../apps/api/test/harness";
import { startFarmProcess, type FarmProcess, type FarmProcessOptions } from "./farm-process";
import { startRoundRobinProxy, type RoundRobinProxy } from "./round-robin-proxy";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LOG_DIR = join(ROOT, ".slipway/bench/logs");

export interface ProcessFarm {
  /** the api's URL (with several apis: the round-robin proxy's) */
  url: string;
  /** with several apis: the proxy in front of them (requests each got) */
  proxy: RoundRobinProxy | undefined;
  /** each api process's own URL, "api" first */
  apiUrls: string[];
  db: Db;
  git: TestGitServer;
  /** the farm's Redis (a database number of its own) */
  redisUrl: string;
  /** PID of the api's node process (the one that serves HTTP: no tsx wrapper in between) */
  apiPid: number;
  /** what every worker process logged so far (pino JSON lines) */
  workerLogs: () => string;
  /** what the processes whose name starts with `prefix` logged so far ("publisher", "api", ...) */
  logsOf: (prefix: string) => string;
  /** fetch /api/v1<path> with the bootstrap token */
  apiFetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** the farm's processes now: "api", "publisher", "worker-1", ... with their PIDs */
  processes: () => { name: string; pid: number; running: boolean }[];
  /** sends `signal` to one process (e.g. SIGKILL: a crash); resolves once it has exited */
  kill: (name: string, signal: NodeJS.Signals) => Promise<void>;
  /** starts a process again (after kill) with the environment it had */
  restart: (name: string) => void;
  close: () => Promise<void>;
}

export interface ProcessFarmOptions {
  /** build workers, all on the test daemon as host "bench-host" (ignored when `hosts` is given) */
  workers: number;
  /** build hosts, each a Docker daemon with its own workers (SLIPWAY_BUILD_HOST = name) */
  hosts?: { name: string; dockerHost: string; workers: number }[];
  /** api processes ("api", "api-2", ...), behind a round-robin proxy when more than one @defaultValue 1 */
  apis?: number;
  /** publisher processes ("publisher", "publisher-2", ...) @defaultValue 1 */
  publishers?: number;
  /** SLIPWAY_BUILD_LOG_MAX_MB of every worker @defaultValue the worker's default */
  logMaxMb?: number;
  /** a name for the processes' log files under .slipway/bench/logs/ */
  name: string;
  /** a Redis of the farm's own (e.g. a TestRedis a fault test stops) @defaultValue a database of the test Redis */
  redisUrl?: string;
  /** a PostgreSQL database of the farm's own (e.g. on a TestPostgres a fault test stops) @defaultValue a fresh test database */
  databaseUrl?: string;
  /** more settings per app, on top of the farm's */
  env?: { api?: Record<string, string>; publisher?: Record<string, string>; worker?: Record<string, string> };
}

interface Child {
  name: string;
  app: FarmProcessOptions["app"];
  env: Record<string, string>;
  proc: FarmProcess;
  log: string;
  ended: boolean;
}

// Each farm gets a Redis database number of its own: the apps use the default key prefix
// ("slipway"), and two farms of one run must not share queues. Emptied when the farm closes.
let nextRedisDb = 1;

export async function startProcessFarm(opts: ProcessFarmOptions): Promise<ProcessFarm> {
  const database: TestDatabase = opts.databaseUrl
    ? { url: opts.databaseUrl, name: "", drop: async () => {} }
    : await createTestDatabase(testEnv.adminDatabaseUrl);
  const redisUrl = opts.redisUrl ?? `${testEnv.redisUrl.replace(/\/\d*$/, "")}/${nextRedisDb++}`;
  const git = await TestGitServer.start();
  const port = await freePort();
  const scratch = mkdtempSync(join(tmpdir(), "slipway-bench-farm-"));
  mkdirSync(LOG_DIR, { recursive: true });
  const children: Child[] = [];

  // Secrets go through the environment only, never argv. The inherited environment carries the
  // test services' settings (DOCKER_HOST, registry secret and token key): each app reads what
  // its config asks for.
  const common: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    SLIPWAY_REGISTRY: testEnv.registry,
    SLIPWAY_REGISTRY_SECRET: testEnv.registrySecret,
    SLIPWAY_GIT_BASE_URL: git.baseUrl,
    SLIPWAY_GIT_PROTOCOLS: "git",
    LOG_LEVEL: "info",
  };
  // A restart appends to the log the first start began afresh.
  const spawnChild = (entry: Omit<Child, "proc">, freshLog = false) => {
    const proc = startFarmProcess({ root: ROOT, app: entry.app, env: entry.env, logFile: entry.log, freshLog });
    entry.ended = false;
    void proc.exited.then(() => (entry.ended = true));
    return proc;
  };
  const start = (name: string, app: FarmProcessOptions["app"], env: Record<string, string>) => {
    const log = join(LOG_DIR, `${opts.name}-${name}.log`);
    const entry = { name, app, env, log, ended: false, proc: undefined as unknown as FarmProcess };
    entry.proc = spawnChild(entry, true);
    children.push(entry);
    return entry;
  };
  const apiEnv = (apiPort: number) => ({
    ...common,
    PORT: String(apiPort),
    HOST: "127.0.0.1",
    SLIPWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SLIPWAY_API_TOKEN: API_TOKEN,
    SLIPWAY_SECRET_KEY: secretKey,
    SLIPWAY_OUTBOX_POLL_MS: "200",
    SLIPWAY_RATE_LIMIT_PER_MIN: "1000000",
    SLIPWAY_RATE_LIMIT_ANON_PER_MIN: "1000000",
    ...opts.env?.api,
  });
  // Every api of one farm shares the secret store's key.
  const secretKey = randomBytes(32).toString("hex");
  const api = start("api", "api", apiEnv(port));
  const apiUrls = [`http://127.0.0.1:${port}`];
  for (let i = 2; i <= (opts.apis ?? 1); i++) {
    const p = await freePort();
    start(`api-${i}`, "api", apiEnv(p));
    apiUrls.push(`http://127.0.0.1:${p}`);
  }
  for (let i = 1; i <= (opts.publishers ?? 1); i++)
    start(i === 1 ? "publisher" : `publisher-${i}`, "publisher", {
      ...common,
      SLIPWAY_PUBLIC_PUBLISH_HOSTS: testEnv.publishRegistry,
      ...opts.env?.publisher,
    });
  const workerLogs: string[] = [];
  const hosts = opts.hosts ?? [{ name: "bench-host", dockerHost: testEnv.dockerHost, workers: opts.workers }];
  let n = 0;
  for (const host of hosts)
    for (let j = 1; j <= host.workers; j++) {
      const i = ++n;
      const cacheDir = join(scratch, `worker-${i}`);
      mkdirSync(cacheDir, { recursive: true });
      const w = start(`worker-${i}`, "worker", {
        ...common,
        SLIPWAY_WORKER_ID: `bench-w${i}`,
        SLIPWAY_BUILD_HOST: host.name,
        SLIPWAY_BUILD_NETWORK: testEnv.buildNetwork,
        SLIPWAY_WORKER_CACHE_DIR: cacheDir,
        DOCKER_HOST: host.dockerHost,
        ...(opts.logMaxMb ? { SLIPWAY_BUILD_LOG_MAX_MB: String(opts.logMaxMb) } : {}),
        ...opts.env?.worker,
      });
      workerLogs.push(w.log);
    }

  const proxy = apiUrls.length > 1 ? await startRoundRobinProxy(apiUrls) : undefined;
  const url = proxy?.url ?? apiUrls[0]!;
  const exited = () => children.find((c) => c.ended);
  const ready = async (check: () => Promise<boolean>, what: string) =>
    eventually(
      async () => {
        const dead = exited();
        if (dead) throw new Error(`${dead.name} exited while starting, see ${dead.log}:\n${readFileSync(dead.log, "utf8").slice(-2000)}`);
        return check();
      },
      60_000,
      what,
    );
  for (const u of apiUrls)
    await ready(async () => (await fetch(`${u}/readyz`).catch(() => undefined))?.ok === true, `the api at ${u} to be ready`);
  await ready(async () => workerLogs.every((l) => readFileSync(l, "utf8").includes("build worker started")), "the workers to start");

  const db = createDb({ databaseUrl: database.url, poolSize: 5 });
  const child = (name: string) => {
    const c = children.find((x) => x.name === name);
    if (!c) throw new Error(`no farm process named ${name}`);
    return c;
  };
  return {
    url,
    proxy,
    apiUrls,
    db,
    git,
    redisUrl,
    apiPid: api.proc.pid,
    workerLogs: () => workerLogs.map((l) => readFileSync(l, "utf8")).join(""),
    logsOf: (prefix) =>
      children
        .filter((c) => c.name.startsWith(prefix))
        .map((c) => readFileSync(c.log, "utf8"))
        .join(""),
    apiFetch: (path, init = {}) =>
      fetch(`${url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${API_TOKEN}`, ...init.headers } }),
    processes: () => children.map((c) => ({ name: c.name, pid: c.proc.pid, running: !c.ended })),
    kill: async (name, signal) => {
      const c = child(name);
      if (c.ended) return;
      process.kill(c.proc.pid, signal);
      await c.proc.exited;
    },
    restart: (name) => {
      const c = child(name);
      if (!c.ended) throw new Error(`${name} is still running`);
      c.proc = spawnChild(c);
    },
    close: async () => {
      // SIGTERM: each app stops its own consumers and connections (runApp), then exits.
      await Promise.all(children.map(({ proc }) => proc.stop(30_000)));
      await proxy?.close();
      await db.$disconnect();
      if (!opts.redisUrl) {
        const redis = createRedis(redisUrl, "producer");
        await redis.flushdb().catch(() => {});
        redis.disconnect();
      }
      await git.destroy();
      await database.drop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
