import { branchPushExample, postDelivery, withNewPush } from "@slipway/testing";
import { expect } from "vitest";
import { WEBHOOK_SECRET, type TestApi } from "./harness";

/** Queues a build of `fullName` ("Owner/Name") through a signed push delivery (a new push each call); its id. */
export async function pushBuild(api: TestApi, fullName: string, githubId: number): Promise<string> {
  // GitHub names are case-insensitive and bound to one id: a name pushed before keeps its id
  // (the api refuses a known name under a new id).
  const known = await api.db.repository.findFirst({
    where: { fullName: { equals: fullName, mode: "insensitive" } },
    select: { githubId: true, fullName: true },
  });
  if (known) {
    githubId = Number(known.githubId);
    fullName = known.fullName;
  }
  const res = await postDelivery(api.url, {
    event: "push",
    payload: withNewPush(branchPushExample({ id: githubId, fullName })),
    secret: WEBHOOK_SECRET,
  });
  expect(res.status).toBe(202);
  return res.body.buildId as string;
}
