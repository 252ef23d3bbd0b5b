import { randomBytes, randomUUID } from "node:crypto";
import { branchPushExample, postDelivery } from "@slipway/testing";
import { WEBHOOK_SECRET } from "../../apps/api/test/harness";

/** GitHub's own example branch push (Codertocat/Hello-World, refs/heads/master). */
export const PUSH_EXAMPLE = branchPushExample();
/** Codertocat/Hello-World: the repository the e2e tests commit to and build. */
export const REPO = PUSH_EXAMPLE.repository.full_name as string;
/** master: the example's branch, also its default branch. */
export const BRANCH = (PUSH_EXAMPLE.ref as string).slice(11);

/**
 * The example push, pointed at a commit of the test's git server; signed and posted. Each call
 * is a new push (a random `before` unless given): the api treats the same repository, ref,
 * before and after under a new delivery id as a replay of one push.
 */
export async function pushCommit(
  apiUrl: string,
  sha: string,
  opts: { ref?: string; before?: string; repository?: { id: number; fullName: string }; deliveryId?: string } = {},
): Promise<string> {
  const payload = opts.repository ? branchPushExample(opts.repository) : structuredClone(PUSH_EXAMPLE);
  payload.after = sha;
  payload.before = opts.before ?? randomBytes(20).toString("hex");
  payload.ref = opts.ref ?? payload.ref;
  payload.head_commit = { ...payload.head_commit, id: sha };
  const res = await postDelivery(apiUrl, { event: "push", payload, secret: WEBHOOK_SECRET, deliveryId: opts.deliveryId ?? randomUUID() });
  if (res.status !== 202 || !res.body.buildId) throw new Error(`push was not accepted: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.buildId as string;
}
