import { AppError, type TWebhookAccepted } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { classifyPush } from "./classify-push";
import { parseDelivery, type RawDelivery } from "./parse-delivery";
import type { RepositoryAllowList } from "./repository-allow-list";
import { storeDelivery, type DeliveryPlan } from "./store-delivery";
import type { SignatureVerifier } from "./verify-signature";

export interface ReceiveDeps {
  db: Db;
  verifier: SignatureVerifier;
  /** SLIPWAY_ALLOWED_OWNERS; pushes from other repositories are stored, then refused (403) */
  allowList: RepositoryAllowList;
  /** SLIPWAY_ACCEPT_RENAMES @defaultValue false */
  acceptRenames?: boolean;
  /** GitHub is configured: new builds are announced to the GitHub reporter @defaultValue false */
  reportToGithub?: boolean;
}

export interface Received {
  /** 200 for ping, 202 otherwise */
  status: 200 | 202;
  body: TWebhookAccepted;
  queuedNew: boolean;
}

/**
 * POST /webhooks/github, start to end: signature (401), headers and JSON (400), the push
 * fields a build needs (422), then one transaction. Throws AppError for bad input, having
 * stored nothing; a push from a repository the allow list does not name is stored with the
 * reason, then answered 403.
 */
export async function receiveDelivery(deps: ReceiveDeps, raw: RawDelivery): Promise<Received> {
  deps.verifier.verify(raw.body, raw.signature256);
  const delivery = parseDelivery(raw);
  const plan = planDelivery(delivery.event, delivery.payload, deps.allowList);
  const stored = await storeDelivery(deps.db, delivery, plan, { acceptRenames: deps.acceptRenames ?? false, reportToGithub: deps.reportToGithub ?? false });
  if (stored.accepted.outcome === "refused") throw new AppError("forbidden", stored.accepted.reason ?? "repository not allowed", { deliveryId: delivery.deliveryId });
  return { status: plan.outcome === "ping" ? 200 : 202, body: stored.accepted, queuedNew: stored.queuedNew };
}

function planDelivery(event: string, payload: unknown, allowList: RepositoryAllowList): DeliveryPlan {
  if (event === "ping") return { outcome: "ping", reason: null };
  if (event !== "push") return { outcome: "ignored", reason: `event "${event}" does not trigger builds` };
  const decision = classifyPush(payload);
  const repo = decision.push.repository.full_name;
  if (!allowList.allows(repo)) {
    return { outcome: "refused", reason: `repository ${repo} is not in SLIPWAY_ALLOWED_OWNERS: this farm does not build it` };
  }
  if (decision.kind === "ignore") return { outcome: "ignored", reason: decision.reason, push: decision.push };
  return { outcome: "build_queued", reason: null, push: decision.push, refType: decision.refType, refName: decision.refName };
}
