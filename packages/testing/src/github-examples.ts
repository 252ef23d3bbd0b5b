import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const examples: { name: string; examples: any[] }[] = require("@octokit/webhooks-examples");

/** GitHub's own example payloads of one event, as @octokit/webhooks-examples publishes them. */
export function githubExamples(event: string): any[] {
  const found = examples.find((e) => e.name === event);
  if (!found) throw new Error(`@octokit/webhooks-examples has no "${event}" examples`);
  return found.examples;
}

/**
 * The example push to a branch (Codertocat/Hello-World, refs/heads/master), a fresh copy;
 * with `repository`, the same push from that repository (GitHub id and owner/name).
 */
export function branchPushExample(repository?: { id: number; fullName: string }): any {
  const push = structuredClone(githubExamples("push").find((p) => !p.deleted && p.ref.startsWith("refs/heads/")));
  if (repository) {
    const [owner, name] = repository.fullName.split("/") as [string, string];
    push.repository = {
      ...push.repository,
      id: repository.id,
      full_name: repository.fullName,
      name,
      owner: { ...push.repository.owner, login: owner, name: owner },
    };
  }
  return push;
}

/**
 * A copy of a push payload that is a new push: a random `before`. The api treats the same
 * repository, ref, before and after under a new delivery id as a replay of one push.
 */
export function withNewPush<T extends { before?: unknown }>(payload: T): T {
  return { ...structuredClone(payload), before: randomBytes(20).toString("hex") };
}

/**
 * GitHub's example `pull_request` opened payload (Codertocat/Hello-World #2), a fresh copy,
 * changed as asked: the base repository, the action, the number, the head commit, and a head
 * in a fork (`fork`: its GitHub id and owner/name; null: a deleted fork).
 */
export function pullRequestExample(
  o: {
    repository?: { id: number; fullName: string };
    action?: string;
    number?: number;
    headSha?: string;
    headRef?: string;
    baseRef?: string;
    fork?: { id: number; fullName: string } | null;
    authorAssociation?: string;
  } = {},
): any {
  const pr = structuredClone(githubExamples("pull_request").find((p) => p.action === "opened"));
  if (o.repository) {
    const [owner, name] = o.repository.fullName.split("/") as [string, string];
    pr.repository = {
      ...pr.repository,
      id: o.repository.id,
      full_name: o.repository.fullName,
      name,
      owner: { ...pr.repository.owner, login: owner },
    };
    pr.pull_request.base.repo = { ...pr.pull_request.base.repo, id: o.repository.id, full_name: o.repository.fullName, name };
    pr.pull_request.head.repo = { ...pr.pull_request.head.repo, id: o.repository.id, full_name: o.repository.fullName, name };
  }
  if (o.action) pr.action = o.action;
  if (o.number) pr.number = pr.pull_request.number = o.number;
  if (o.headSha) pr.pull_request.head.sha = o.headSha;
  if (o.headRef) pr.pull_request.head.ref = o.headRef;
  if (o.baseRef) pr.pull_request.base.ref = o.baseRef;
  if (o.fork === null) pr.pull_request.head.repo = null;
  else if (o.fork)
    pr.pull_request.head.repo = {
      ...pr.pull_request.head.repo,
      id: o.fork.id,
      full_name: o.fork.fullName,
      name: o.fork.fullName.split("/")[1],
      fork: true,
    };
  if (o.authorAssociation) pr.pull_request.author_association = o.authorAssociation;
  return pr;
}
