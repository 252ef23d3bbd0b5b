import type { TGithubRepository, TWebhookAccepted } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { v7 as uuidv7 } from "uuid";
import { z } from "zod";
import type { BuildSpec } from "./build-spec";
import type { ParsedDelivery } from "./parse-delivery";

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

interface StoreOptions {
  /** SLIPWAY_ACCEPT_RENAMES: let a delivery rebind a known id to a new name, or a known name to
   * a new id. Off, such a delivery is refused. @defaultValue false */
  acceptRenames: boolean;
  /** GitHub is configured: announce each new build to the GitHub reporter ("queued") in the
   * same transaction @defaultValue false */
  reportToGithub?: boolean;
}

/** One delivery to store, as ingest planned it. */
export interface DeliveryToStore {
  delivery: ParsedDelivery;
  plan: DeliveryPlan;
  opts: StoreOptions;
}

const ZResult = z.union([
  z.object({ error: z.string(), sqlstate: z.string() }),
  z.object({
    outcome: z.enum(["build_queued", "ping", "ignored", "refused"]),
    buildId: z.string().nullable(),
    reason: z.string().nullable(),
    duplicate: z.boolean(),
    queuedNew: z.boolean().optional(),
    superseded: z.array(z.object({ id: z.string(), attempt: z.number() })).optional(),
  }),
]);
const ZResults = z.array(ZResult);

/** A delivery the database refused (its own error: the others of its batch were stored). */
export class DeliveryStoreError extends Error {
  override readonly name = "DeliveryStoreError";
  constructor(
    message: string,
    readonly sqlstate: string,
  ) {
    super(message);
  }
}

/**
 * Stores deliveries, each as ONE unit (GitHub does not redeliver by itself, so nothing is
 * acknowledged unless stored): the delivery row; for a build its repository, Build row and
 * outbox rows; the builds it supersedes cancelled. A delivery id seen before answers with what
 * the first copy stored (duplicate: true); so does a replay: the same push (repository, ref,
 * before, after), or a pull request head already built, under a new delivery id is stored as
 * ignored and answers with the build the first copy queued.
 *
 * A payload's repository id and name are claims signed with a secret every connected
 * repository shares, so neither proves the other: a push from acme/side claiming acme/app's id
 * would rename acme/app's record and build acme/side's code into acme/app's image namespace and
 * cache. So the first binding of id and name stands; a delivery that contradicts it is refused
 * with the reason, unless the operator accepts renames (SLIPWAY_ACCEPT_RENAMES). A different
 * repository still holding the name (renamed or deleted, the name reused) is parked under
 * "<name>#<id>". Auto-cancel: a new build of a branch or pull request cancels the queued and
 * running older builds of the same ref, never for tags, nor for the default branch unless the
 * repository asks (autoCancelDefaultBranch).
 *
 * The whole batch is one call of the SQL function slipway_store_deliveries (migration
 * 20261128174000): one round trip and one commit for all of them, where an interactive
 * transaction took eleven round trips per delivery. Each delivery is its own subtransaction:
 * one refused by the database comes back as a DeliveryStoreError, the others are stored.
 * Results are in the order of `items`.
 */
export async function storeDeliveries(db: Db, items: DeliveryToStore[]): Promise<(StoredDelivery | DeliveryStoreError)[]> {
  const input = `[${items.map(itemJson).join(",")}]`;
  const rows = await db.$queryRaw<{ r: unknown }[]>`SELECT slipway_store_deliveries(${input}::jsonb) AS r`;
  const results = ZResults.parse(rows[0]?.r);
  if (results.length !== items.length) throw new Error(`slipway_store_deliveries answered ${results.length} results for ${items.length}`);
  return results.map((r, i) => {
    if ("error" in r) return new DeliveryStoreError(r.error, r.sqlstate);
    const deliveryId = items[i]!.delivery.deliveryId;
    return {
      accepted: { deliveryId, outcome: r.outcome, buildId: r.buildId, reason: r.reason, duplicate: r.duplicate },
      queuedNew: r.queuedNew ?? false,
      superseded: r.superseded ?? [],
    };
  });
}

/** One delivery as the SQL function reads it. The payload goes in as the JSON text GitHub sent (no re-serialising). */
function itemJson({ delivery, plan, opts }: DeliveryToStore): string {
  const repository = plan.outcome === "ignored" || plan.outcome === "build_queued" ? plan.repository : undefined;
  const spec = plan.outcome === "build_queued" ? plan.build : undefined;
  const fields = {
    id: uuidv7(),
    github_delivery: delivery.deliveryId,
    event: delivery.event,
    action: typeof delivery.payload.action === "string" ? delivery.payload.action : null,
    hook_id: delivery.hookId ?? null,
    outcome: plan.outcome,
    reason: plan.reason ?? null,
    accept_renames: opts.acceptRenames,
    report: opts.reportToGithub ?? false,
    // Only names and ids from the payload; URLs in it are never stored or used.
    repo: repository
      ? {
          new_id: uuidv7(),
          github_id: String(repository.id),
          full_name: repository.full_name,
          owner: repository.full_name.split("/")[0]!,
          name: repository.name,
          default_branch: repository.default_branch ?? repository.master_branch ?? null,
          private: repository.private ?? false,
        }
      : null,
    build: spec
      ? {
          id: uuidv7(),
          attempt_id: uuidv7(),
          trigger: spec.trigger,
          ref: spec.ref,
          ref_type: spec.refType,
          ref_name: spec.refName,
          sha: spec.sha,
          before_sha: spec.beforeSha,
          pusher: spec.pusher,
          commit_message: spec.commitMessage,
          pull_request: spec.pullRequest ?? null,
          base_ref: spec.baseRef ?? null,
          head_repository: spec.headRepository ?? null,
          from_fork: spec.fromFork ?? false,
        }
      : null,
  };
  const json = JSON.stringify(fields);
  return `${json.slice(0, -1)},"payload":${delivery.json}}`;
}
