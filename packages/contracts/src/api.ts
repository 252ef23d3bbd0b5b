import { z } from "zod";

export const ZBuildStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type TBuildStatus = z.infer<typeof ZBuildStatus>;

/** A build as the REST API shows it. */
export const ZBuild = z.object({
  id: z.string(),
  repository: z.string(),
  status: ZBuildStatus,
  trigger: z.enum(["push", "retry", "manual", "pull_request"]),
  ref: z.string(),
  refType: z.enum(["branch", "tag", "pull_request"]),
  /** a branch or tag name; a pull request's head branch */
  refName: z.string(),
  /** a pull request build: which one, its base branch, where its head is; a fork's build has
   * no secrets and never publishes */
  pullRequest: z
    .object({ number: z.number(), baseRef: z.string().nullable(), headRepository: z.string().nullable(), fromFork: z.boolean() })
    .nullable(),
  /** cancelled because this newer build of the same branch or pull request superseded it */
  supersededBy: z.string().nullable(),
  sha: z.string(),
  pusher: z.string().nullable(),
  commitMessage: z.string().nullable(),
  attempt: z.number(),
  workerId: z.string().nullable(),
  host: z.string().nullable(),
  /** cache-aware routing of the latest try: `affine` ran on a host that had built the repository
   * recently; `fallback` on another (those hosts were busy past the routing wait, or down);
   * `any` when no host had built it */
  routing: z.enum(["affine", "fallback", "any"]).nullable(),
  imageRef: z.string().nullable(),
  digest: z.string().nullable(),
  /** when retention removed the image from the internal registry (README, "Retention"); the digest stays on record */
  imageRemovedAt: z.string().nullable(),
  /** the earlier build of the same commit and config whose image this build reused: it ran no BuildKit, only published its own tags */
  coalescedFrom: z.string().nullable(),
  cachedSteps: z.number().nullable(),
  totalSteps: z.number().nullable(),
  error: z.object({ class: z.enum(["user", "infrastructure"]), message: z.string() }).nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type TBuild = z.infer<typeof ZBuild>;

export const ZListBuildsQuery = z.object({
  repo: z
    .string()
    .regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name")
    .optional(),
  status: ZBuildStatus.optional(),
  /** a branch or tag name (refName), exactly */
  branch: z.string().min(1).max(255).optional(),
  cursor: z.string().uuid("must be a build id from nextCursor").optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TListBuildsQuery = z.infer<typeof ZListBuildsQuery>;

export const ZBuildList = z.object({ builds: z.array(ZBuild), nextCursor: z.string().nullable() });
export type TBuildList = z.infer<typeof ZBuildList>;

/** Every error answer has this shape. */
export const ZApiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
export type TApiError = z.infer<typeof ZApiError>;

/** What POST /webhooks/github answers with. */
export const ZWebhookAccepted = z.object({
  deliveryId: z.string(),
  outcome: z.enum(["build_queued", "ping", "ignored", "refused"]),
  buildId: z.string().nullable(),
  reason: z.string().nullable(),
  duplicate: z.boolean(),
});
export type TWebhookAccepted = z.infer<typeof ZWebhookAccepted>;

/** One BuildKit step of a build attempt. */
export const ZBuildStep = z.object({
  index: z.number(),
  name: z.string(),
  vertexDigest: z.string(),
  cached: z.boolean(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  /** why a step that did not come from the cache ran, compared with the last succeeded build of
   * the branch (or the default branch): "file changed: src/app.ts", "Dockerfile line changed:
   * ...", "base image changed: ...", "build argument changed: X", "an earlier step of this
   * stage was rebuilt: ...", "no earlier build ..."; null for cached steps and while building */
  rebuildReason: z.string().nullable().default(null),
});
/** The start of a step's rebuildReason when there was no earlier build to compare with. */
export const NO_EARLIER_BUILD = "no earlier build";
export type TBuildStep = z.infer<typeof ZBuildStep>;

/** One tag of one publish target of a build. */
export const ZPublish = z.object({
  target: z.string(),
  tag: z.string(),
  status: z.enum(["pending", "pushed", "failed", "superseded"]),
  digest: z.string().nullable(),
  /** why it failed, or which build holds a superseded tag */
  error: z.string().nullable(),
  publishedAt: z.string().nullable(),
});
export type TPublish = z.infer<typeof ZPublish>;

/** GET /api/v1/builds/:id/steps */
export const ZBuildStepList = z.object({ attempt: z.number(), steps: z.array(ZBuildStep) });

/** GET /api/v1/builds/:id/publishes */
export const ZPublishList = z.object({ publishes: z.array(ZPublish) });
