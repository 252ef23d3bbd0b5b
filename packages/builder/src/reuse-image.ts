import { internalImagePath } from "@slipway/contracts";
import { whileDatabaseDown, type Db } from "@slipway/db";
import { RegistryClient, RegistryError } from "@slipway/registry";
import { buildRegistryAccess, mintRegistryCredential } from "@slipway/registry-auth";
import type { TBuildConfig } from "./build-config";
import { buildIdentity, decideCoalesce, type CoalesceSource } from "./coalesce";
import type { PreparedBuild } from "./prepare-build";
import type { AttemptOutcome } from "./record-outcome";

interface Settings {
  registry: string;
  network: string;
  /** false: never reuse (SLIPWAY_COALESCE=false); the build still claims its identity, so a
   * worker that does reuse can reuse its image @defaultValue true */
  coalesce?: boolean;
  registryAuth?: { secret: string; basePaths: readonly string[] };
  coalesceMaxAgeDays?: number;
}

interface Subject {
  build: { id: string; sha: string; repositoryId: string; pullRequest: number | null; repository: { githubId: bigint } };
  runId: string;
  /** this try's own immutable tag (internalRefs) */
  imageRef: string;
  config: TBuildConfig;
  request: PreparedBuild["request"];
  signal: AbortSignal;
  line: (s: string) => void;
}

/**
 * A try's coalescing: decideCoalesce, and when an earlier build's image is to be reused, the
 * outcome that reuses it (reuseImage). Undefined: build (the identity is claimed). An image
 * the registry no longer has (its storage lost, deleted outside the farm) is recorded as
 * removed on its build, and the decision is made again, so the next candidate, or a build of
 * this one, follows.
 */
export async function coalesceBuild(db: Db, settings: Settings, s: Subject): Promise<AttemptOutcome | undefined> {
  const identity = buildIdentity(s.build.sha, s.config, s.request, settings.network);
  if (settings.coalesce === false) {
    await whileDatabaseDown(
      () => db.$executeRaw`UPDATE builds SET config_hash = ${identity} WHERE id = ${s.build.id}::uuid AND run_id = ${s.runId}::uuid`,
      { forMs: 120_000, signal: s.signal },
    );
    return undefined;
  }
  for (;;) {
    // PostgreSQL restarting mid-try is waited out, as recording the outcome is (not a try lost).
    const d = await whileDatabaseDown(
      () =>
        decideCoalesce(
          db,
          {
            buildId: s.build.id,
            repositoryId: s.build.repositoryId,
            runId: s.runId,
            identity,
            registry: settings.registry,
            pullRequest: s.build.pullRequest !== null,
            maxAgeDays: settings.coalesceMaxAgeDays ?? 7,
            signal: s.signal,
          },
          (other) => s.line(`slipway: build ${other} is building this commit with the same config; waiting for its image`),
        ),
      { forMs: 120_000, signal: s.signal },
    );
    if (d.kind === "build") return undefined;
    try {
      return await reuseImage(settings, s, d.source);
    } catch (err) {
      if (!(err instanceof RegistryError && err.status === 404)) throw err;
      s.line(`slipway: the image of build ${d.source.id} is gone from the internal registry (${err.message}); not reusing it`);
      await db.$transaction([
        db.$executeRaw`UPDATE builds SET image_pruned_at = now() WHERE id = ${d.source.id}::uuid AND image_pruned_at IS NULL`,
        db.$executeRaw`UPDATE build_attempts a SET image_pruned_at = now() FROM builds b
          WHERE b.id = ${d.source.id}::uuid AND a.build_id = b.id AND a.attempt = b.attempt AND a.image_pruned_at IS NULL`,
      ]);
    }
  }
}

/**
 * A coalesced build's outcome: the earlier build's image, tagged under this build's own
 * immutable tag in the internal registry (its blobs are there: only the manifest is put),
 * with the build's own credential. Each build keeps a tag of its own, so image retention
 * treats them one by one (a shared digest loses only a tag). No steps ran: none are recorded.
 */
async function reuseImage(settings: Settings, s: Subject, source: CoalesceSource): Promise<AttemptOutcome> {
  const { build, imageRef, config, line } = s;
  line(
    `slipway: build ${source.id} already built this commit with this config: reusing its image ${source.imageRef}@${source.digest}; no BuildKit run`,
  );
  const githubId = build.repository.githubId;
  const repository = internalImagePath(githubId);
  const tag = imageRef.slice(imageRef.lastIndexOf(":") + 1);
  const auth = settings.registryAuth;
  const client = new RegistryClient({
    credentials: (host) =>
      auth && host === settings.registry
        ? mintRegistryCredential(auth.secret, {
            sub: `build-${build.id}`,
            access: buildRegistryAccess(githubId, auth.basePaths),
            ttlSeconds: 900,
          })
        : undefined,
  });
  await client.copyImage({ registry: settings.registry, repository, digest: source.digest }, { registry: settings.registry, repository }, [
    tag,
  ]);
  return {
    kind: "succeeded",
    digest: source.digest,
    imageRef,
    steps: [],
    counts: { cached: 0, total: 0 },
    config,
    coalescedFrom: source.id,
  };
}
