import { BuildLogSink } from "@slipway/build-log";
import { githubReportMessage, internalImagePath, ZBuildConfig } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { parseImageRef, RegistryError, type RegistryClient } from "@slipway/registry";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { defaultTags } from "./default-tags";
import { supersededTags } from "./superseded-tags";

export interface PublishDeps {
  db: Db;
  redis: Redis;
  logger: Logger;
  registry: RegistryClient;
  /** the internal registry host:port the workers push to */
  internalRegistry: string;
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
 * Targets already pushed at this digest are not copied again (a retried publish resumes).
 */
export async function executePublish(deps: PublishDeps, job: { buildId: string; attempt: number; finalTry: boolean }): Promise<PublishOutcome> {
  const { db } = deps;
  const log = deps.logger.child({ buildId: job.buildId, attempt: job.attempt });
  const attempt = await db.buildAttempt.findUnique({ where: { buildId_attempt: { buildId: job.buildId, attempt: job.attempt } }, include: { build: { include: { repository: true } } } });
  if (!attempt || attempt.status !== "succeeded" || !attempt.digest) return { kind: "skipped", reason: "attempt has no successful image" };
  const build = attempt.build;
  const config = ZBuildConfig.parse(attempt.config ?? {});
  if (!config.publish.length) return { kind: "skipped", reason: "no publish targets" };

  const tags = defaultTags({ refType: build.refType, refName: build.refName, sha: build.sha, defaultBranch: build.repository.defaultBranch });
  const sink = new BuildLogSink({ db, redis: deps.redis, logger: log, buildId: build.id, attempt: job.attempt });
  await sink.resume();
  const src = { registry: deps.internalRegistry, repository: internalImagePath(build.repository.githubId), digest: attempt.digest };
  const done: { image: string; tags: string[]; digest: string }[] = [];
  try {
    for (const target of config.publish) {
      const existing = await db.publish.findMany({ where: { buildId: build.id, target: target.image } });
      const superseded = await supersededTags(db, { id: build.id, refType: build.refType, refName: build.refName, sha: build.sha, defaultBranch: build.repository.defaultBranch }, target.image, tags);
      for (const s of superseded) {
        await db.publish.upsert({
          where: { buildId_target_tag: { buildId: build.id, target: target.image, tag: s.tag } },
          create: { buildId: build.id, target: target.image, tag: s.tag, status: "superseded", error: s.reason },
          update: { status: "superseded", error: s.reason },
        });
        sink.note(`slipway: not moving ${target.image}:${s.tag}: ${s.reason}`);
      }
      const pending = tags.filter((t) => !superseded.some((s) => s.tag === t) && !existing.some((e) => e.tag === t && e.status === "pushed" && e.digest === attempt.digest));
      await db.$transaction(
        pending.map((tag) =>
          db.publish.upsert({
            where: { buildId_target_tag: { buildId: build.id, target: target.image, tag } },
            create: { buildId: build.id, target: target.image, tag },
            update: { status: "pending", error: null },
          }),
        ),
      );
      if (!pending.length) {
        if (!superseded.length) sink.note(`slipway: ${target.image} already has ${tags.join(", ")} at ${attempt.digest}`);
        done.push({ image: target.image, tags, digest: attempt.digest });
        continue;
      }
      sink.note(`slipway: publishing ${attempt.digest} to ${target.image} as ${pending.join(", ")}`);
      const dst = parseImageRef(target.image);
      try {
        const r = await deps.registry.copyImage(src, { registry: dst.registry, repository: dst.repository }, pending);
        await db.publish.updateMany({ where: { buildId: build.id, target: target.image, tag: { in: pending } }, data: { status: "pushed", digest: r.digest, publishedAt: new Date(), error: null } });
        sink.note(`slipway: published ${target.image}:{${pending.join(",")}} @ ${r.digest} (${r.blobsCopied} blobs copied, ${r.blobsSkipped} already there, ${r.blobsMounted} mounted)`);
        done.push({ image: target.image, tags: tags.filter((t) => !superseded.some((x) => x.tag === t)), digest: r.digest });
      } catch (err) {
        const error = err instanceof RegistryError ? err : new RegistryError((err as Error).message, { registry: dst.registry, kind: "infrastructure", cause: err });
        const retry = error.kind === "infrastructure" && !job.finalTry;
        const failed = db.publish.updateMany({ where: { buildId: build.id, target: target.image, tag: { in: pending } }, data: { status: retry ? "pending" : "failed", error: error.message } });
        const report = !retry && deps.reportToGithub ? [db.outboxMessage.create({ data: githubReportMessage(build.id, job.attempt, "published") })] : [];
        await db.$transaction([failed, ...report]);
        sink.note(`slipway: publish to ${target.image} failed (${error.kind}): ${error.message}${retry ? " — will retry" : ""}`);
        log.warn({ target: target.image, err: error.message, kind: error.kind }, "publish failed");
        return { kind: "failed", error, retry };
      }
    }
  } finally {
    await sink.close().catch((err: unknown) => log.warn({ err: (err as Error).message }, "could not store publish log lines"));
  }
  // Not in the transaction of the last Publish row: with several targets there is no one
  // final write. A crash before this line leaves the job unfinished; BullMQ runs it again,
  // which finds every tag pushed and writes the row then.
  if (deps.reportToGithub) await db.outboxMessage.create({ data: githubReportMessage(build.id, job.attempt, "published") });
  log.info({ targets: done.length }, "published");
  return { kind: "published", targets: done };
}
