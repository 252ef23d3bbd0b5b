import { AppError, type TWebhookAccepted } from "@slipway/contracts";
import { classifyPullRequest, type ForkPolicy } from "./classify-pull-request";
import { classifyPush } from "./classify-push";
import { parseDelivery, type RawDelivery } from "./parse-delivery";
import type { RepositoryAllowList } from "./repository-allow-list";
import type { DeliveryStore } from "./delivery-store";
import type { DeliveryPlan } from "./store-deliveries";
import type { SignatureVerifier } from "./verify-signature";

export interface ReceiveDeps {
  /** where deliveries are stored (group commit, back-pressure) */
  store: DeliveryStore;
  verifier: SignatureVerifier;
  /** SLIPWAY_ALLOWED_OWNERS; pushes from other repositories are stored, then refused (403) */
  allowList: RepositoryAllowList;
  /** SLIPWAY_ACCEPT_RENAMES @defaultValue false */
  acceptRenames?: boolean;
  /** SLIPWAY_FORK_PULL_REQUESTS @defaultValue "members" */
  forkPullRequests?: ForkPolicy;
  /** GitHub is configured: new builds are announced to the GitHub reporter @defaultValue false */
  reportToGithub?: boolean;
}

export interface Received {
  /** 200 for ping, 202 otherwise */
  status: 200 | 202;
  body: TWebhookAccepted;
  /** the build this delivery queued (a new one, not superseded as it was stored), as the event stream announces it */
  queued?: { buildId: string; repository: string; trigger: string; ref: string; sha: string };
  /** builds the queued one superseded (now cancelled) */
  superseded: { id: string; attempt: number }[];
}

/**
 * POST /webhooks/github, start to end: signature (401), headers and JSON (400), the push or
 * pull request fields a build needs (422), then one transaction (shared with the
 * deliveries that arrived meanwhile: DeliveryStore). Throws AppError for bad input, having
 * stored nothing; a push from a repository the allow list does not name is stored with the
 * reason, then answered 403.
 */
export async function receiveDelivery(deps: ReceiveDeps, raw: RawDelivery): Promise<Received> {
  deps.verifier.verify(raw.body, raw.signature256);
  const delivery = parseDelivery(raw);
  const plan = planDelivery(delivery.event, delivery.payload, deps);
  const stored = await deps.store.store({
    delivery,
    plan,
    opts: { acceptRenames: deps.acceptRenames ?? false, reportToGithub: deps.reportToGithub ?? false },
  });
  if (stored.accepted.outcome === "refused")
    throw new AppError("forbidden", stored.accepted.reason ?? "repository not allowed", { deliveryId: delivery.deliveryId });
  const queued =
    stored.queuedNew && stored.accepted.buildId && plan.outcome === "build_queued"
      ? {
          buildId: stored.accepted.buildId,
          repository: plan.repository.full_name,
          trigger: plan.build.trigger,
          ref: plan.build.ref,
          sha: plan.build.sha,
        }
      : undefined;
  return {
    status: plan.outcome === "ping" ? 200 : 202,
    body: stored.accepted,
    superseded: stored.superseded,
    ...(queued ? { queued } : {}),
  };
}

function planDelivery(event: string, payload: unknown, deps: ReceiveDeps): DeliveryPlan {
  if (event === "ping") return { outcome: "ping", reason: null };
  if (event !== "push" && event !== "pull_request") return { outcome: "ignored", reason: `event "${event}" does not trigger builds` };
  const decision = event === "push" ? classifyPush(payload) : classifyPullRequest(payload, deps.forkPullRequests ?? "members");
  const repository = "push" in decision ? decision.push.repository : decision.pr.repository;
  if (!deps.allowList.allows(repository.full_name)) {
    return {
      outcome: "refused",
      reason: `repository ${repository.full_name} is not in SLIPWAY_ALLOWED_OWNERS: this farm does not build it`,
    };
  }
  if (decision.kind === "ignore") return { outcome: "ignored", reason: decision.reason, repository };
  return { outcome: "build_queued", reason: null, repository, build: decision.build };
}
