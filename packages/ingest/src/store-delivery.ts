import { githubReportMessage, OUTBOX_BUILD_ENQUEUE, type TGithubRepository, type TWebhookAccepted } from "@slipway/contracts";
import { isUniqueViolation, Prisma, type Db } from "@slipway/db";
import type { BuildSpec } from "./build-spec";
import type { ParsedDelivery } from "./parse-delivery";
import { supersedeBuilds } from "./supersede-builds";

export type DeliveryPlan =
  | { outcome: "ping"; reason: null }
  | { outcome: "ignored"; reason: string; repository?: TGithubRepository }
  | { outcome: "refused"; reason: string }
  | { outcome: "build_queued"; reason: null; repository: TGithubRepository; build: BuildSpec };

export interface StoredDelivery {
  accepted: TWebhookAccepted;
  /** true when this call wrote a build + outbox row (the relay should run) */
  queuedNew: boolean;
  /** builds this one superseded (cancelled in the same transaction): tell their workers */
  superseded: { id: string; attempt: number }[];
}

/**
 * Stores the delivery, and for a build its repository, Build row and outbox row, in ONE
 * transaction: GitHub does not redeliver by itself, so nothing is acknowledged unless stored.
 * A delivery id seen before answers with what the first one stored (duplicate: true); so does
 * a replay: the same push (repository, ref, before, after) under a new delivery id is stored
 * as ignored and answers with the build the first copy queued.
 */
export interface StoreOptions {
  /** SLIPWAY_ACCEPT_RENAMES: let a delivery rebind a known id to a new name, or a known name to
   * a new id. Off, such a delivery is refused (see bindingConflict). @defaultValue false */
  acceptRenames: boolean;
  /** GitHub is configured: announce each new build to the GitHub reporter ("queued") in the
   * same transaction @defaultValue false */
  reportToGithub?: boolean;
}

export async function storeDelivery(
  db: Db,
  delivery: ParsedDelivery,
  plan: DeliveryPlan,
  opts: StoreOptions = { acceptRenames: false },
): Promise<StoredDelivery> {
  // A unique violation means a concurrent copy of this delivery won the race; after it
  // commits, its row is visible. Retry once in case the violation was on another key.
  for (let tries = 0; tries < 3; tries++) {
    try {
      return await db.$transaction((tx) => write(tx, delivery, plan, opts));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = await findExisting(db, delivery.deliveryId);
      if (existing) return { accepted: existing, queuedNew: false, superseded: [] };
    }
  }
  throw new Error(`delivery ${delivery.deliveryId} kept conflicting on a unique key`);
}

async function write(
  tx: Prisma.TransactionClient,
  delivery: ParsedDelivery,
  planned: DeliveryPlan,
  opts: StoreOptions,
): Promise<StoredDelivery> {
  let plan = planned;
  const claimed = plan.outcome === "ping" || plan.outcome === "refused" ? undefined : plan.repository;
  const conflict = claimed && !opts.acceptRenames ? await bindingConflict(tx, claimed) : null;
  if (conflict) plan = { outcome: "refused", reason: conflict };
  const repository = plan.outcome === "ping" || plan.outcome === "refused" ? undefined : plan.repository;
  const repo = repository ? await upsertRepository(tx, repository) : null;
  const repositoryId = repo?.id ?? null;
  const replay = plan.outcome === "build_queued" && repositoryId ? await findReplay(tx, repositoryId, plan.build) : null;
  const row = await tx.webhookDelivery.create({
    data: {
      githubDelivery: delivery.deliveryId,
      event: delivery.event,
      action: typeof delivery.payload.action === "string" ? delivery.payload.action : null,
      hookId: delivery.hookId ?? null,
      repositoryId,
      outcome: replay ? "ignored" : plan.outcome,
      reason: replay ? replay.reason : (plan.reason ?? null),
      payload: delivery.payload as Prisma.InputJsonObject,
    },
  });
  if (replay)
    return { accepted: accepted(delivery.deliveryId, "ignored", replay.buildId, replay.reason, true), queuedNew: false, superseded: [] };
  if (plan.outcome !== "build_queued" || !repositoryId) {
    return { accepted: accepted(delivery.deliveryId, plan.outcome, null, plan.reason ?? null, false), queuedNew: false, superseded: [] };
  }
  const spec = plan.build;
  const build = await tx.build.create({
    data: {
      repositoryId,
      deliveryId: row.id,
      ...spec,
      attempts: { create: { attempt: 1, trigger: spec.trigger } },
    },
  });
  await tx.outboxMessage.create({ data: { topic: OUTBOX_BUILD_ENQUEUE, payload: { buildId: build.id, attempt: 1 } } });
  if (opts.reportToGithub) await tx.outboxMessage.create({ data: githubReportMessage(build.id, 1, "queued") });
  const superseded = await supersedeBuilds(tx, repositoryId, spec, build.id, {
    autoCancel: repo!.autoCancel,
    autoCancelDefaultBranch: repo!.autoCancelDefaultBranch,
    defaultBranch: repo!.defaultBranch,
  });
  if (opts.reportToGithub)
    for (const s of superseded) await tx.outboxMessage.create({ data: githubReportMessage(s.id, s.attempt, "cancelled") });
  return { accepted: accepted(delivery.deliveryId, "build_queued", build.id, null, false), queuedNew: true, superseded };
}

async function upsertRepository(
  tx: Prisma.TransactionClient,
  r: TGithubRepository,
): Promise<{ id: string; autoCancel: boolean; autoCancelDefaultBranch: boolean; defaultBranch: string | null }> {
  // Only names and ids from the payload; URLs in it are never stored or used.
  const data = {
    fullName: r.full_name,
    owner: r.full_name.split("/")[0]!,
    name: r.name,
    defaultBranch: r.default_branch ?? r.master_branch ?? null,
    private: r.private ?? false,
  };
  // A different repository (GitHub id) may still hold this name: it was renamed or deleted
  // and the name reused. Names are unique here, so park the stale row under "<name>#<id>";
  // its next delivery (if it still exists) brings its current name back.
  await tx.$executeRaw`UPDATE repositories SET full_name = full_name || '#' || github_id::text
    WHERE full_name = ${r.full_name} AND github_id <> ${BigInt(r.id)}`;
  const repo = await tx.repository.upsert({
    where: { githubId: BigInt(r.id) },
    create: { githubId: BigInt(r.id), ...data },
    update: data,
    select: { id: true, autoCancel: true, autoCancelDefaultBranch: true, defaultBranch: true },
  });
  return repo;
}

/**
 * A payload's repository id and name are claims signed with a secret every connected
 * repository shares, so neither proves the other: a push from acme/side claiming acme/app's id
 * would rename acme/app's record to acme/side and build acme/side's code into acme/app's image
 * namespace and cache. So the first binding of id and name stands; a delivery that contradicts
 * it (a known id under another name, a known name under another id) is refused with the reason,
 * unless the operator accepts renames (SLIPWAY_ACCEPT_RENAMES) for a farm whose repositories
 * all trust each other. Confirming renames through GitHub's API needs a GitHub App or token.
 */
async function bindingConflict(tx: Prisma.TransactionClient, r: TGithubRepository): Promise<string | null> {
  const rows = await tx.repository.findMany({
    where: { OR: [{ githubId: BigInt(r.id) }, { fullName: { equals: r.full_name, mode: "insensitive" } }] },
    select: { githubId: true, fullName: true },
  });
  for (const row of rows) {
    if (row.githubId === BigInt(r.id) && row.fullName !== r.full_name) {
      return `repository id ${r.id} is known here as ${row.fullName}, not ${r.full_name}: a rename is not accepted from a webhook payload alone (SLIPWAY_ACCEPT_RENAMES)`;
    }
    if (row.githubId !== BigInt(r.id) && row.fullName.toLowerCase() === r.full_name.toLowerCase()) {
      return `repository ${r.full_name} is known here with id ${row.githubId}, not ${r.id}: a re-created repository is not accepted from a webhook payload alone (SLIPWAY_ACCEPT_RENAMES)`;
    }
  }
  return null;
}

/**
 * The build an earlier delivery of this very change queued: a push with the same repository,
 * ref, before and after; a pull request event for a head commit that pull request already
 * built (a redelivery, or reopened with no new commit: POST /api/v1/builds/:id/retry rebuilds).
 */
async function findReplay(
  tx: Prisma.TransactionClient,
  repositoryId: string,
  spec: BuildSpec,
): Promise<{ buildId: string; reason: string } | null> {
  const pr = spec.trigger === "pull_request";
  const first = await tx.build.findFirst({
    where: { repositoryId, ref: spec.ref, sha: spec.sha, ...(pr ? { trigger: "pull_request" } : { beforeSha: spec.beforeSha }) },
    select: { id: true, delivery: { select: { githubDelivery: true } } },
  });
  if (!first) return null;
  const from = first.delivery ? ` (delivery ${first.delivery.githubDelivery})` : "";
  const reason = pr
    ? `pull request #${spec.pullRequest} already built ${spec.sha}${from}: build ${first.id} (retry it to build again)`
    : `replay of a push already received${from}: same repository, ref, before and after; build ${first.id}`;
  return { buildId: first.id, reason };
}

async function findExisting(db: Db, deliveryId: string): Promise<TWebhookAccepted | null> {
  const row = await db.webhookDelivery.findUnique({
    where: { githubDelivery: deliveryId },
    select: { outcome: true, reason: true, builds: { select: { id: true }, take: 1 } },
  });
  if (!row) return null;
  return accepted(deliveryId, row.outcome, row.builds[0]?.id ?? null, row.reason, true);
}

function accepted(
  deliveryId: string,
  outcome: TWebhookAccepted["outcome"],
  buildId: string | null,
  reason: string | null,
  duplicate: boolean,
): TWebhookAccepted {
  return { deliveryId, outcome, buildId, reason, duplicate };
}
