import type { BuildLogSink } from "@slipway/build-log";
import type { Db, PublishStatus } from "@slipway/db";
import { parseImageRef, RegistryError, type ImageSource, type RegistryClient, type RegistryCredentials } from "@slipway/registry";
import type { PublishAccess } from "@slipway/registry-credentials";
import type { Logger } from "pino";
import { claimPublishTarget } from "./claim-publish-target";
import type { TagInput } from "./default-tags";
import { heldReleaseTags } from "./release-tags";
import { supersededTags } from "./superseded-tags";

/** What publishing one attempt shares across its targets. */
export interface TargetContext {
  db: Db;
  sink: BuildLogSink;
  log: Logger;
  /** this publish's client: its credentials are `logins` (and the internal registry's) */
  registry: RegistryClient;
  /** target host → the credential granted for this build's repository, filled per target */
  logins: Map<string, RegistryCredentials>;
  access: PublishAccess;
  build: { id: string; repositoryId: string; repository: string } & TagInput;
  src: ImageSource;
  tags: string[];
  immutableTags: boolean;
  finalTry: boolean;
}

export type TargetResult =
  { kind: "published"; image: string; tags: string[]; digest: string } | { kind: "failed"; error: RegistryError; retry: boolean };

/**
 * Publishes one target of a build, in this order: may this repository publish there
 * (PublishAccess: its credential, or a public host), is the image its own (the first
 * repository to publish to an image owns it), which floating tags a newer build holds, which
 * release tags are immutable, then the copy. Every tag gets a Publish row; a refusal is
 * recorded on each tag not already pushed, with the reason, and as a line in the build's log.
 */
export async function publishTarget(ctx: TargetContext, image: string): Promise<TargetResult> {
  const { db, sink, build, src, tags } = ctx;
  const existing = await db.publish.findMany({ where: { buildId: build.id, target: image } });
  const pushed = (tag: string) => existing.some((e) => e.tag === tag && e.status === "pushed" && e.digest === src.digest);
  const refuse = async (reason: string, registry: string): Promise<TargetResult> => {
    await setRows(
      db,
      build.id,
      image,
      tags.filter((t) => !pushed(t)),
      "failed",
      reason,
    );
    sink.note(`slipway: ${reason}`);
    ctx.log.warn({ target: image, reason }, "publish refused");
    return { kind: "failed", error: new RegistryError(reason, { registry, kind: "user" }), retry: false };
  };

  let dst;
  try {
    dst = parseImageRef(image);
  } catch (err) {
    return refuse(`publish to ${image} refused: ${(err as Error).message}`, image.split("/")[0] ?? image);
  }
  const grant = await ctx.access.resolve(image, dst.registry, build.repository);
  if (grant.kind === "refused") return refuse(grant.reason, dst.registry);
  if (grant.kind === "credential") ctx.logins.set(dst.registry, grant.credential);
  else ctx.logins.delete(dst.registry);

  const canonical = `${dst.registry}/${dst.repository}`;
  const owner = await claimPublishTarget(db, canonical, build.repositoryId);
  if (owner.repositoryId !== build.repositoryId) {
    return refuse(
      `publish to ${image} refused: ${canonical} belongs to ${owner.fullName}, the first repository to publish to it; one repository never overwrites another's images`,
      dst.registry,
    );
  }

  const superseded = await supersededTags(db, build, image, tags);
  for (const s of superseded) {
    await setRows(db, build.id, image, [s.tag], "superseded", s.reason);
    sink.note(`slipway: not moving ${image}:${s.tag}: ${s.reason}`);
  }
  let pending = tags.filter((t) => !superseded.some((s) => s.tag === t) && !pushed(t));
  await setRows(db, build.id, image, pending, "pending", null);
  if (!pending.length) {
    if (!superseded.length) sink.note(`slipway: ${image} already has ${tags.join(", ")} at ${src.digest}`);
    return { kind: "published", image, tags, digest: src.digest };
  }

  try {
    const held = ctx.immutableTags ? await heldReleaseTags(ctx.registry, { image, ...dst }, pending, src.digest, build) : [];
    for (const h of held) {
      await setRows(db, build.id, image, [h.tag], h.status, h.reason);
      sink.note(
        h.status === "failed"
          ? `slipway: publish of ${image}:${h.tag} refused: ${h.reason}`
          : `slipway: not moving ${image}:${h.tag}: ${h.reason}`,
      );
    }
    pending = pending.filter((t) => !held.some((h) => h.tag === t));
    if (pending.length) {
      sink.note(`slipway: publishing ${src.digest} to ${image} as ${pending.join(", ")}`);
      const r = await ctx.registry.copyImage(src, { registry: dst.registry, repository: dst.repository }, pending);
      await db.publish.updateMany({
        where: { buildId: build.id, target: image, tag: { in: pending } },
        data: { status: "pushed", digest: r.digest, publishedAt: new Date(), error: null },
      });
      sink.note(
        `slipway: published ${image}:{${pending.join(",")}} @ ${r.digest} (${r.blobsCopied} blobs copied, ${r.blobsSkipped} already there, ${r.blobsMounted} mounted)`,
      );
    }
    const refused = held.find((h) => h.status === "failed");
    if (refused)
      return { kind: "failed", error: new RegistryError(refused.reason, { registry: dst.registry, kind: "user" }), retry: false };
    return {
      kind: "published",
      image,
      tags: tags.filter((t) => !superseded.some((s) => s.tag === t) && !held.some((h) => h.tag === t)),
      digest: src.digest,
    };
  } catch (err) {
    const error =
      err instanceof RegistryError
        ? err
        : new RegistryError((err as Error).message, { registry: dst.registry, kind: "infrastructure", cause: err });
    const retry = error.kind === "infrastructure" && !ctx.finalTry;
    await db.publish.updateMany({
      where: { buildId: build.id, target: image, tag: { in: pending } },
      data: { status: retry ? "pending" : "failed", error: error.message },
    });
    sink.note(`slipway: publish to ${image} failed (${error.kind}): ${error.message}${retry ? " — will retry" : ""}`);
    ctx.log.warn({ target: image, err: error.message, kind: error.kind }, "publish failed");
    return { kind: "failed", error, retry };
  }
}

/** One Publish row per tag, created or updated to `status` (error: the reason, or null). */
async function setRows(
  db: Db,
  buildId: string,
  target: string,
  tags: readonly string[],
  status: PublishStatus,
  error: string | null,
): Promise<void> {
  if (!tags.length) return;
  await db.$transaction(
    tags.map((tag) =>
      db.publish.upsert({
        where: { buildId_target_tag: { buildId, target, tag } },
        create: { buildId, target, tag, status, error },
        update: { status, error },
      }),
    ),
  );
}
