import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { githubReportMessage } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import type { EventBus } from "@slipway/events";
import { buildRegistryAccess, mintRegistryCredential, writeDockerConfig } from "@slipway/registry-auth";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { BuildLogSink } from "@slipway/build-log";
import { hardenedGitEnv } from "@slipway/git";
import type { SecretStore } from "@slipway/secrets";
import { checkoutCommit } from "./checkout-commit";
import { InfrastructureFailure, timeoutFailure, UserFailure } from "./failures";
import { internalRefs } from "./image-refs";
import { loadBuildSecrets, type BuildSecret } from "./load-build-secrets";
import { maskOutcome } from "./mask-outcome";
import { coalesceBuild } from "./reuse-image";
import { explainSteps } from "./explain-steps";
import type { Routing } from "./route-build";
import { prepareBuild } from "./prepare-build";
import { recordOutcome, type AttemptOutcome } from "./record-outcome";
import type { RemoteBuilder } from "./remote-builder";
import { repositoryGitUrl } from "./repository-git-url";
import { runBuildx, type BuildxResult } from "./run-buildx";
import { secretsDecision } from "./secrets-decision";
import { lockScratch } from "@slipway/retention";
import { sourcePolicy } from "./source-policy";

/** How this worker builds. Same for every job; from the worker's config. */
export interface WorkerSettings {
  workerId: string;
  /** the build host (Docker daemon) label recorded on builds @defaultValue the machine's hostname */
  host: string;
  /** internal registry host:port */
  registry: string;
  /** RUN network for every build: part of the cache key, so the same on every worker */
  network: string;
  /** repositories are fetched from <gitBaseUrl>/<owner>/<repo>.git @defaultValue https://github.com */
  gitBaseUrl: string;
  /** transports git may use @defaultValue ["https"] */
  gitProtocols: readonly string[];
  /** git mirrors */
  cacheDir: string;
  /** per-build scratch folders */
  workDir: string;
  timeoutMs: number;
  /** the most one attempt's stored log may hold, bytes; build output past it is dropped and a
   * line says so @defaultValue 64 MiB */
  logMaxBytes?: number;
  /** reuse the image of an earlier build of the same commit and config (SLIPWAY_COALESCE) @defaultValue true */
  coalesce?: boolean;
  /** only an image built this many days ago or less is reused (its base images were current
   * then; SLIPWAY_COALESCE_MAX_AGE_DAYS) @defaultValue 7 */
  coalesceMaxAgeDays?: number;
  /** per-build credentials for the internal registry (absent: it has no token auth) */
  registryAuth?: {
    /** SLIPWAY_REGISTRY_SECRET */
    secret: string;
    /** repositories every build may pull (SLIPWAY_REGISTRY_BASE_PATHS) @defaultValue ["base/*"] */
    basePaths: readonly string[];
  };
  /** environment for git and docker (DOCKER_HOST, ...; BUILDX_CONFIG with a remote builder) */
  env: NodeJS.ProcessEnv;
  /** a remote BuildKit builder (SLIPWAY_BUILDKIT_ENDPOINT), made by createRemoteBuilder: every
   * build runs with `--builder` of it. Absent: builds run on the Docker daemon of env.DOCKER_HOST */
  buildkit?: RemoteBuilder;
  /**
   * GitHub credentials for fetching (SLIPWAY_GITHUB_*): the token for a repository (an
   * installation token narrowed to it, or the PAT), or undefined (the App is not installed
   * there: fetched without credentials). Absent: every fetch is anonymous, as without GitHub.
   */
  gitToken?: (fullName: string) => Promise<string | undefined>;
  /** how long a build waits for a host that built its repository before any host takes it
   * (SLIPWAY_ROUTE_WAIT_MS; 0: no waiting) @defaultValue 10000 */
  routeWaitMs?: number;
  /** a host that ran BuildKit for a repository within this many ms is preferred for its builds
   * (SLIPWAY_ROUTE_AFFINITY_HOURS) @defaultValue 24 h */
  routeAffinityMs?: number;
  /** write an outbox row for the GitHub reporter at each state change (GitHub is configured) @defaultValue false */
  reportToGithub?: boolean;
}

export interface BuildDeps {
  db: Db;
  /** for the live log stream */
  redis: Redis;
  logger: Logger;
  settings: WorkerSettings;
  /** the farm's event stream (started, step finished, finished) */
  events?: EventBus;
  /** build secrets (absent: this worker has no SLIPWAY_SECRET_KEY; builds asking for secrets fail) */
  secrets?: SecretStore;
}

export interface BuildJob {
  buildId: string;
  attempt: number;
  /** no retry follows an infrastructure failure of this try */
  finalTry: boolean;
  /** how routing brought the build to this host (route-build.ts), and why */
  routing?: Routing;
  routingWhy?: string;
}

/**
 * Runs one try of one build attempt, start to end, and records the outcome. Returns the
 * outcome; throws InfrastructureFailure when the try should be retried and UserFailure when the
 * build failed for good (the caller maps them to BullMQ). `signal` aborts = cancel.
 */
export async function executeBuild(deps: BuildDeps, job: BuildJob, cancel: AbortSignal): Promise<AttemptOutcome> {
  const { db, settings } = deps;
  const log = deps.logger.child({ buildId: job.buildId, attempt: job.attempt });
  const build = await db.build.findUnique({ where: { id: job.buildId }, include: { repository: true } });
  if (!build) throw new UserFailure(`build ${job.buildId} does not exist`);
  if (build.status === "cancelled" || build.attempt !== job.attempt) {
    log.info({ status: build.status, current: build.attempt }, "build no longer wants this attempt; skipping");
    return { kind: "skipped" };
  }
  const startedAt = new Date();
  // This try's fence: a worker that took the build over before (its lock lost) now writes nothing.
  const runId = randomUUID();
  const running = await db.$transaction(async (tx) => {
    const moved = await tx.build.updateMany({
      where: { id: build.id, attempt: job.attempt, status: { in: ["queued", "running"] } },
      data: {
        status: "running",
        runId,
        // A claim of the build's identity is this try's to make (coalesce.ts): one left by an
        // earlier try would make builds deciding now wait for a build that is not building.
        configHash: null,
        workerId: settings.workerId,
        host: settings.host,
        routing: job.routing ?? null,
        startedAt,
        finishedAt: null,
        durationMs: null,
        errorClass: null,
        errorMessage: null,
      },
    });
    if (moved.count && settings.reportToGithub)
      await tx.outboxMessage.create({ data: githubReportMessage(build.id, job.attempt, "started") });
    return moved;
  });
  if (running.count === 0) return { kind: "skipped" };
  const about = { buildId: build.id, repository: build.repository.fullName, attempt: job.attempt };
  deps.events?.emit({ type: "build.started", ...about, workerId: settings.workerId, host: settings.host });
  const runningAttempt = {
    status: "running" as const,
    workerId: settings.workerId,
    host: settings.host,
    routing: job.routing ?? null,
    startedAt,
    errorClass: null,
    errorMessage: null,
  };
  const attemptRow = await db.buildAttempt.upsert({
    where: { buildId_attempt: { buildId: build.id, attempt: job.attempt } },
    // Builds stored before attempts were recorded have no row yet.
    create: { buildId: build.id, attempt: job.attempt, trigger: build.trigger, tries: 1, ...runningAttempt },
    update: { ...runningAttempt, tries: { increment: 1 } },
  });

  const shutdown = shutdownOf(cancel);
  const sink = new BuildLogSink({
    db,
    redis: deps.redis,
    logger: log,
    stopWaiting: shutdown,
    buildId: build.id,
    attempt: job.attempt,
    maxBytes: settings.logMaxBytes,
  });
  await sink.resume();
  // Slipway's own lines (a handful per try) are notes, kept past the log limit; what buildx
  // reports is build output, which the limit applies to.
  const line = (s: string) => sink.note(s);
  line(
    `slipway: build ${build.id} attempt ${job.attempt}${attemptRow.tries > 1 ? ` (try ${attemptRow.tries})` : ""} on worker ${settings.workerId}, host ${settings.host}`,
  );
  line(`slipway: ${build.repository.fullName} ${build.ref} @ ${build.sha}`);
  if (job.routing) line(`slipway: routing ${job.routing}: ${job.routingWhy ?? ""}`);

  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const signal = AbortSignal.any([cancel, timeout]);
  // Per try: a second worker that takes over a stalled job never shares this folder.
  const scratch = join(settings.workDir, `${build.id}-${job.attempt}-${randomBytes(4).toString("hex")}`);
  let outcome: AttemptOutcome;
  let result: BuildxResult | undefined;
  // Held until the folder is gone: a worker starting meanwhile sweeps only unheld folders.
  let unlockScratch: (() => Promise<void>) | undefined;
  try {
    await mkdir(settings.workDir, { recursive: true });
    unlockScratch = await lockScratch(scratch);
    await mkdir(scratch);
    const src = join(scratch, "src");
    const cloneUrl = repositoryGitUrl(settings.gitBaseUrl, build.repository.fullName);
    const token = await gitToken(settings, build.repository.fullName, line);
    if (token) sink.addSecrets([token]);
    const auth = token ? { auth: { token, gitBaseUrl: settings.gitBaseUrl } } : {};
    const { commitTime, mirrorDir } = await checkoutCommit({
      cacheDir: settings.cacheDir,
      githubId: build.repository.githubId,
      cloneUrl,
      protocols: settings.gitProtocols,
      sha: build.sha,
      on: refHolding(build),
      ...(build.pullRequest ? { extraRefs: [`refs/pull/${build.pullRequest}/head`] } : {}),
      destDir: src,
      env: settings.env,
      onLine: line,
      signal,
      ...auth,
    });
    const prepared = await prepareBuild({
      srcDir: src,
      sourceUrl: cloneUrl.replace(/\.git$/, ""),
      sha: build.sha,
      commitTime,
      internalRegistry: settings.registry,
      // A fork's RUN --mount=type=cache contents are its own: shared with the repository's
      // builds, a pull request could leave poisoned files for the next main build to use.
      cacheMountNamespace: build.fromFork
        ? `github-${build.repository.githubId}-pr-${build.pullRequest}`
        : `github-${build.repository.githubId}`,
      frontendPrefixes: (settings.registryAuth?.basePaths ?? ["base/*"]).map((p) => `${settings.registry}/${p.replace(/\*$/, "")}`),
      onLine: line,
    });
    const refs = internalRefs({
      registry: settings.registry,
      githubId: build.repository.githubId,
      buildId: build.id,
      attempt: job.attempt,
      refType: build.refType,
      refName: build.refName,
      defaultBranch: build.repository.defaultBranch,
      pullRequest: build.pullRequest,
      baseRef: build.baseRef,
    });
    line(
      `slipway: building ${prepared.config.dockerfile} (context ${prepared.config.context}${prepared.config.target ? `, target ${prepared.config.target}` : ""}) -> ${refs.image}`,
    );
    line(`slipway: cache from ${refs.cacheFrom.join(", ")}; cache to ${refs.cacheTo}`);
    // Coalescing: a build of the same commit and config already made this image. Builds with
    // secrets always run: what a secret's value puts into the image is not in the identity.
    const reused = prepared.config.secrets.length
      ? undefined
      : await coalesceBuild(db, settings, {
          build,
          runId,
          imageRef: refs.image,
          config: prepared.config,
          request: prepared.request,
          signal,
          line,
        });
    if (reused) {
      outcome = reused;
    } else {
      const secrets = await loadBuildSecrets({
        store: deps.secrets,
        names: prepared.config.secrets,
        repository: build.repository.fullName,
        decision: secretsDecision(build),
        onLine: line,
      });
      // From here on every line, and the outcome's messages, are masked (see maskOutcome).
      sink.addSecrets(secrets.map((s) => s.value));
      const env = {
        ...(await buildxEnv(settings, build.repository.githubId, `build-${build.id}`, join(scratch, "docker-config"))),
        ...secretEnv(secrets),
      };
      result = await runBuildx(
        {
          ...prepared.request,
          secrets: secrets.map((s, i) => ({ id: s.name, env: secretVar(i) })),
          network: settings.network,
          ...(settings.buildkit ? { builder: settings.buildkit.name } : {}),
          imageRef: refs.image,
          cacheFrom: refs.cacheFrom,
          cacheTo: refs.cacheTo,
          metadataFile: join(scratch, "metadata.json"),
        },
        {
          env,
          onLine: (s) => sink.write(s),
          // Step names are masked as the log is: the event stream is read by dashboards.
          onStep: (s) =>
            deps.events?.emit({
              type: "build.step",
              ...about,
              index: s.index,
              name: sink.mask(s.name),
              cached: s.cached,
              error: s.error === null ? null : sink.mask(s.error),
              durationMs: s.startedAt && s.completedAt ? s.completedAt.getTime() - s.startedAt.getTime() : null,
            }),
          signal,
        },
      );
      if (!signal.aborted)
        await explainSteps(db, build, result.steps, {
          buildArgs: prepared.config.buildArgs,
          context: prepared.config.context,
          mirrorDir,
          env: hardenedGitEnv(settings.env, settings.gitProtocols),
          line,
          signal,
        });
      outcome = abortedOutcome(cancel, timeout, settings.timeoutMs, result) ?? prepared.outcomeOf(result, refs.image);
    }
  } catch (err) {
    outcome = abortedOutcome(cancel, timeout, settings.timeoutMs, result) ?? errorOutcome(err);
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => {});
    await unlockScratch?.().catch(() => {});
  }
  const recorded = await recordOutcome({
    db,
    sink,
    log,
    build,
    job,
    runId,
    workerId: settings.workerId,
    startedAt,
    outcome: maskOutcome(outcome, (text) => sink.mask(text)),
    reportToGithub: settings.reportToGithub ?? false,
    shutdown,
  });
  // A cancel was announced by whoever cancelled (the api).
  if (recorded.kind !== "skipped" && recorded.kind !== "displaced" && recorded.kind !== "cancelled") {
    const row = await db.build.findUnique({
      where: { id: build.id },
      select: { status: true, attempt: true, durationMs: true, cachedSteps: true, totalSteps: true, errorMessage: true },
    });
    // Only what this try decided (a cancel or a newer attempt that won says nothing here).
    if (row && row.attempt === job.attempt && row.status !== "running") {
      deps.events?.emit({
        type: "build.finished",
        ...about,
        status: row.status,
        durationMs: row.durationMs,
        cachedSteps: row.cachedSteps,
        totalSteps: row.totalSteps,
        error: row.errorMessage,
      });
    }
  }
  return recorded;
}

/** The GitHub token to fetch `fullName` with, if GitHub is configured; GitHub unreachable is the farm's failure (retried). */
async function gitToken(settings: WorkerSettings, fullName: string, line: (s: string) => void): Promise<string | undefined> {
  if (!settings.gitToken) return undefined;
  let token: string | undefined;
  try {
    token = await settings.gitToken(fullName);
  } catch (err) {
    throw new InfrastructureFailure(`could not get a GitHub token for ${fullName}: ${err instanceof Error ? err.message : String(err)}`);
  }
  line(
    token
      ? "slipway: fetching with the farm's GitHub credentials"
      : `slipway: the GitHub App is not installed on ${fullName}; fetching without credentials`,
  );
  return token;
}

/**
 * Build secrets reach buildx through its environment (`--secret id=NAME,env=VAR`), not
 * through files: nothing is written to disk, so a worker that dies mid-build leaves no value
 * behind, and the environment of a process is readable only by its user and root, as a 0600
 * file would be. Variables are numbered rather than named after the secret, so a secret
 * called PATH or DOCKER_HOST cannot change how buildx itself runs.
 */
const secretVar = (i: number) => `SLIPWAY_BUILD_SECRET_${i}`;
const secretEnv = (secrets: BuildSecret[]): NodeJS.ProcessEnv => Object.fromEntries(secrets.map((s, i) => [secretVar(i), s.value]));

/**
 * The environment of this build's buildx: DOCKER_CONFIG of a folder in the build's scratch
 * space, logged in to the internal registry with a credential for this repository only
 * (pull/push its images and cache, pull the base paths), valid for the build's timeout plus a
 * margin for the push; and the source policy that keeps BuildKit's own fetches off loopback,
 * private and link-local addresses. The credential is in a 0600 file, never in an argument or
 * the job; the folder goes with scratch.
 */
async function buildxEnv(settings: WorkerSettings, githubId: bigint, subject: string, dir: string): Promise<NodeJS.ProcessEnv> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const policy = join(dir, "source-policy.json");
  await writeFile(policy, JSON.stringify(sourcePolicy()));
  const env: NodeJS.ProcessEnv = { ...settings.env, EXPERIMENTAL_BUILDKIT_SOURCE_POLICY: policy };
  if (!settings.registryAuth) return env;
  const credential = mintRegistryCredential(settings.registryAuth.secret, {
    sub: subject,
    access: buildRegistryAccess(githubId, settings.registryAuth.basePaths),
    ttlSeconds: Math.ceil(settings.timeoutMs / 1000) + 900,
  });
  const inherit = settings.env.DOCKER_CONFIG ?? (settings.env.HOME ? join(settings.env.HOME, ".docker") : undefined);
  return { ...env, DOCKER_CONFIG: await writeDockerConfig(dir, settings.registry, credential, inherit) };
}

/** Abort reason used when the worker process stops: the build is not cancelled, it runs again. */
export const SHUTDOWN = "worker-shutdown";

/** A signal that aborts when `cancel` aborts for a shutdown (not for a user's cancel). */
function shutdownOf(cancel: AbortSignal): AbortSignal {
  const shutdown = new AbortController();
  const check = () => {
    if (cancel.reason === SHUTDOWN) shutdown.abort(SHUTDOWN);
  };
  if (cancel.aborted) check();
  else cancel.addEventListener("abort", check, { once: true });
  return shutdown.signal;
}

/**
 * The outcome of a try that was stopped from outside: worker shutdown (back to the queue),
 * cancel, or timeout — whether it was stopped in buildx (`result` known) or before.
 */
function abortedOutcome(
  cancel: AbortSignal,
  timeout: AbortSignal,
  timeoutMs: number,
  result: BuildxResult | undefined,
): AttemptOutcome | undefined {
  const ran = result ? { steps: result.steps, counts: result.counts } : {};
  if (cancel.aborted && cancel.reason === SHUTDOWN) return { kind: "interrupted", message: "the worker stopped (shutdown) while building" };
  if (cancel.aborted) return { kind: "cancelled", message: result ? "cancelled while building" : "cancelled", ...ran };
  if (timeout.aborted) return { kind: "failed", failure: timeoutFailure(timeoutMs), ...ran };
  return undefined;
}

function errorOutcome(err: unknown): AttemptOutcome {
  if (err instanceof UserFailure || err instanceof InfrastructureFailure) return { kind: "failed", failure: err };
  return { kind: "failed", failure: new InfrastructureFailure(err instanceof Error ? err.message : String(err)) };
}

/**
 * The ref the server must hold the build's commit on (checkoutCommit checks it): the pushed
 * branch or tag; a pull request from a branch of the repository itself: that branch (a commit
 * only a fork has is on no branch of the base repository, so a payload cannot pass a fork's
 * commit off as the repository's own); a fork's pull request: refs/pull/<n>/head.
 */
function refHolding(build: { ref: string; refType: string; refName: string; pullRequest: number | null; fromFork: boolean }): string {
  if (build.refType !== "pull_request") return build.ref;
  return build.fromFork ? `refs/pull/${build.pullRequest}/head` : `refs/heads/${build.refName}`;
}
