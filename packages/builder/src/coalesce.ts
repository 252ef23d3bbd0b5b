import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "@slipway/db";
import type { TBuildConfig } from "./build-config";
import type { PreparedBuild } from "./prepare-build";

/** An earlier build of the same identity whose image this one reuses. */
export interface CoalesceSource {
  id: string;
  digest: string;
  imageRef: string;
  totalSteps: number | null;
}

export type CoalesceDecision = { kind: "reuse"; source: CoalesceSource } | { kind: "build" };

/**
 * A build's identity: the commit and everything of its config that goes into the image —
 * Dockerfile, context, target, build arguments (the cache-mount namespace among them, so a
 * fork's pull request never shares an identity with the repository's own builds), the labels
 * (the repository's address) and the RUN network. Not the publish targets: they decide where the image goes, not what it is. Two
 * builds with the same identity make the same image (SOURCE_DATE_EPOCH is the commit's time,
 * provenance is off), so the second need not run BuildKit.
 */
export function buildIdentity(sha: string, config: TBuildConfig, request: PreparedBuild["request"], network: string): string {
  const buildArgs = Object.fromEntries(Object.entries(request.buildArgs).sort(([a], [b]) => a.localeCompare(b)));
  const labels = Object.fromEntries(Object.entries(request.labels).sort(([a], [b]) => a.localeCompare(b)));
  const identity = {
    v: 1,
    sha,
    dockerfile: config.dockerfile,
    context: config.context,
    target: config.target ?? null,
    buildArgs,
    labels,
    network,
  };
  return `sha256:${createHash("sha256").update(JSON.stringify(identity)).digest("hex")}`;
}

/**
 * Decides whether a build runs BuildKit. Under a PostgreSQL advisory lock on (repository,
 * identity), so of two builds of one identity deciding at once one builds and one waits (a
 * claim lasts one try: each try clears its build's claim as it starts):
 * - an earlier build of the identity succeeded and its image is still in the internal
 *   registry (`registry`, not pruned): reuse it;
 * - one is running: wait for it to end (polling every `pollMs`; the wait holds the worker's
 *   slot and counts toward the build's timeout), then decide again;
 * - else claim the identity (Build.config_hash) and build.
 * Only the try that runs the build (runId) claims it.
 */
export async function decideCoalesce(
  db: Db,
  o: {
    buildId: string;
    repositoryId: string;
    runId: string;
    identity: string;
    registry: string;
    /** this is a pull request's build: it may reuse any build's image; other builds never
     * reuse a pull request's (what a pull request built is not what a branch or tag ships) */
    pullRequest: boolean;
    /** images older than this are not reused: a rebuild picks up newer base images @defaultValue 7 */
    maxAgeDays?: number;
    signal: AbortSignal;
    pollMs?: number;
  },
  onWait: (buildId: string) => void,
): Promise<CoalesceDecision> {
  for (let announced = new Set<string>(); ;) {
    const decision = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${o.repositoryId}:${o.identity}`}, 0))`;
      const done = await tx.$queryRaw<{ id: string; digest: string; image_ref: string; total_steps: number | null }[]>`
        SELECT id::text, digest, image_ref, total_steps FROM builds
        WHERE repository_id = ${o.repositoryId}::uuid AND config_hash = ${o.identity} AND id <> ${o.buildId}::uuid
          AND status = 'succeeded' AND digest IS NOT NULL AND starts_with(image_ref, ${`${o.registry}/`}) AND image_pruned_at IS NULL
          AND (${o.pullRequest} OR pull_request IS NULL)
          AND finished_at > now() - make_interval(days => ${o.maxAgeDays ?? 7})
        ORDER BY finished_at DESC LIMIT 1`;
      if (done[0]) {
        const s = done[0];
        return { kind: "reuse" as const, source: { id: s.id, digest: s.digest, imageRef: s.image_ref, totalSteps: s.total_steps } };
      }
      const running = await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM builds
        WHERE repository_id = ${o.repositoryId}::uuid AND config_hash = ${o.identity} AND id <> ${o.buildId}::uuid AND status = 'running'
          AND (${o.pullRequest} OR pull_request IS NULL)
        LIMIT 1`;
      if (running[0]) return { kind: "wait" as const, buildId: running[0].id };
      await tx.$executeRaw`UPDATE builds SET config_hash = ${o.identity} WHERE id = ${o.buildId}::uuid AND run_id = ${o.runId}::uuid`;
      return { kind: "build" as const };
    });
    if (decision.kind !== "wait") return decision;
    if (!announced.has(decision.buildId)) {
      announced = new Set([...announced, decision.buildId]);
      onWait(decision.buildId);
    }
    await sleep(o.pollMs ?? 2_000, undefined, { signal: o.signal }).catch(() => {});
    // Cancelled, timed out or shutting down while waiting: the caller says which.
    if (o.signal.aborted) throw new Error("stopped while waiting for a build of the same commit and config");
  }
}
