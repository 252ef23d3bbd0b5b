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
    push.repository = { ...push.repository, id: repository.id, full_name: repository.fullName, name, owner: { ...push.repository.owner, login: owner, name: owner } };
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
