import { AppError, ZERO_SHA, ZGithubPushPayload, type TGithubPushPayload } from "@slipway/contracts";
import type { BuildSpec } from "./build-spec";

export type PushDecision =
  { kind: "build"; push: TGithubPushPayload; build: BuildSpec } | { kind: "ignore"; push: TGithubPushPayload; reason: string };

/** Validates a push payload (422 naming the missing fields) and decides whether it builds. */
export function classifyPush(payload: unknown): PushDecision {
  const parsed = ZGithubPushPayload.safeParse(payload);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`);
    throw new AppError("unprocessable", `push payload is missing what a build needs: ${fields.join("; ")}`, { fields });
  }
  const push = parsed.data;
  if (push.deleted === true || push.after === ZERO_SHA) {
    return { kind: "ignore", push, reason: `push deleted ${push.ref}` };
  }
  const spec = (refType: "branch" | "tag", refName: string): PushDecision => ({
    kind: "build",
    push,
    build: {
      trigger: "push",
      ref: push.ref,
      refType,
      refName,
      sha: push.after,
      beforeSha: push.before,
      pusher: push.pusher?.name ?? push.sender?.login ?? null,
      commitMessage: push.head_commit?.message ?? null,
    },
  });
  if (push.ref.startsWith("refs/heads/")) return spec("branch", push.ref.slice(11));
  if (push.ref.startsWith("refs/tags/")) return spec("tag", push.ref.slice(10));
  return { kind: "ignore", push, reason: `ref ${push.ref} is neither a branch nor a tag` };
}
