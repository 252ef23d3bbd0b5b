import { BuildLogSink } from "@slipway/build-log";
import { githubReportMessage, internalImagePath, ZBuildConfig } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import type { EventBus } from "@slipway/events";
import { RegistryClient, RegistryError, type RegistryClientOptions, type RegistryCredentials } from "@slipway/registry";
import type { PublishAccess } from "@slipway/registry-credentials";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { defaultTags } from "./default-tags";
import { publishTarget, type TargetResult } from "./publish-target";
import { pullRequestPublishRefusal } from "./pull-request-publish";

export interface PublishDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  /** the internal registry host:port the workers push to */
  internalRegistry: string;
  /** the publisher's pull credential for the internal registry (absent: read without one) */
  internalLogin?: (host: string) => RegistryCredentials | undefined;
  /** who may publish where: stored registry credentials, public hosts */
  access: PublishAccess;
  /** registry client settings besides credentials (retries, time limits) */
  registryOptions?: Omit<RegistryClientOptions, "credentials">;
  /** the farm's event stream (build.published) */
  events?: EventBus;
  /** GitHub is configured: announce the publish outcome to the GitHub reporter @defaultValue false */
  reportToGithub?: boolean;
}

export type PublishOutcome =
  | { kind: "published"; targets: { image: string; tags: string[]; digest: string }[] }
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; error: RegistryError; retry: boolean };

/**
 * Copies a built attempt's image by digest from the internal registry to every publish target
 * of its .slipway.yml and applies the default tags; records one Publish row per target and tag.
 * Tags already pushed at this digest are not copied again (a retried publish resumes). Every
 * target is tried even when one fails; then a failure the registry may get over (5xx,
 * network) is retried, and a refusal or a user error fails the publish.
 * Each publish gets a registry client of its own holding only the credentials granted to
 * this build's repository: tokens fetched for one repository never serve another's publish.
 */
export async function executePublish(
  deps: PublishDeps,
  job: { buildId: string; attempt: number; finalTry: boolean; retry?: string },
): Promise<PublishOutcome> {
  const { db } = deps;
  const log = deps.logger.child({ buildId: job.buildId, attempt: job.attempt });
  const attempt = await db.buildAttempt.findUnique({
    where: { buildId_attempt: { buildId: job.buildId, attempt: job.attempt } },
    include: { build: { include: { repository: true } } },
  });
  if (!attempt || attempt.status !== "succeeded" || !attempt.digest) return { kind: "skipped", reason: "attempt has no successful image" };
  const { build } = attempt;
  const config = ZBuildConfig.parse(attempt.config ?? {});
  if (!config.publish.length) return { kind: "skipped", reason: "no publish targets" };

  const tagInput = {
    refType: build.refType,
    refName: build.refName,
    sha: build.sha,
    defaultBranch: build.repository.defaultBranch,
    pullRequest: build.pullRequest,
  };
  const sink = new BuildLogSink({ db, redis: deps.redis, logger: log, buildId: build.id, attempt: job.attempt });
  await sink.resume();
  const refusal = pullRequestPublishRefusal(build, config);
  if (refusal) {
    sink.note(`slipway: not publishing: ${refusal}`);
    await sink.close().catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not store publish log lines"));
    return { kind: "skipped", reason: refusal };
  }
  const logins = new Map<string, RegistryCredentials>();
  const registry = new RegistryClient({
    ...deps.registryOptions,
    credentials: (host) => (host === deps.internalRegistry ? deps.internalLogin?.(host) : logins.get(host)),
  });
  const results: TargetResult[] = [];
  try {
    for (const target of config.publish) {
      results.push(
        await publishTarget(
          {
            db,
            sink,
            log,
            registry,
            logins,
            access: deps.access,
            build: { id: build.id, repositoryId: build.repositoryId, repository: build.repository.fullName, ...tagInput },
            src: { registry: deps.internalRegistry, repository: internalImagePath(build.repository.githubId), digest: attempt.digest },
            tags: defaultTags(tagInput),
            immutableTags: build.repository.immutableTags,
            finalTry: job.finalTry,
          },
          target.image,
        ),
      );
    }
  } finally {
    await sink.close().catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not store publish log lines"));
  }
  const failures = results.flatMap((r) => (r.kind === "failed" ? [r] : []));
  const retryable = failures.find((f) => f.retry);
  if (retryable) return { kind: "failed", error: retryable.error, retry: true };
  // The publish is over (published, or failed for good): the GitHub reporter adds the tags or
  // the failure to the check. Not in the transaction of the last Publish row (with several
  // targets there is no one final write): a crash before this line leaves the job unfinished,
  // BullMQ runs it again, which finds every tag pushed and writes the row then.
  if (deps.reportToGithub) await db.outboxMessage.create({ data: githubReportMessage(build.id, job.attempt, "published", job.retry) });
  const [first, ...more] = failures;
  if (first) {
    const error = more.length
      ? new RegistryError(failures.map((f) => f.error.message).join("; "), { registry: first.error.registry, kind: "user" })
      : first.error;
    return { kind: "failed", error, retry: false };
  }
  log.info({ targets: results.length }, "published");
  return {
    kind: "published",
    targets: results.flatMap((r) => (r.kind === "published" ? [{ image: r.image, tags: r.tags, digest: r.digest }] : [])),
  };
}
