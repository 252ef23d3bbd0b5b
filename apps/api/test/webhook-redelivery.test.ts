// A push GitHub could not deliver (the api was down, or answered 503) reaches the farm after
// all: the redelivery task asks the GitHub stand-in to redeliver it, and the stand-in POSTs
// it, signed like GitHub, to the real api, which stores it and queues its build.
import { randomUUID } from "node:crypto";
import { OctokitGithubClient, redeliverFailedDeliveries, type RedeliverDeps } from "@slipway/github";
import { createLogger } from "@slipway/logger";
import { branchPushExample, GithubStandIn, postDelivery, withNewPush } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, WEBHOOK_SECRET, type TestApi } from "./harness";

const HOUR = 3600_000;
let api: TestApi;
let gh: GithubStandIn;
let deps: RedeliverDeps;

beforeAll(async () => {
  api = await startTestApi();
  gh = await GithubStandIn.start();
  gh.hookDeliveries.target = { url: api.url, secret: WEBHOOK_SECRET };
  const github = new OctokitGithubClient({ apiUrl: gh.url, auth: { kind: "app", appId: gh.appId, privateKey: gh.privateKeyPem } });
  deps = { github, db: api.db, logger: createLogger({ name: "redeliver-e2e", level: "silent" }), asked: new Map() };
});
afterAll(async () => {
  await gh?.close();
  await api?.close();
});

describe("failed webhook deliveries are redelivered through GitHub's API", () => {
  it("a push the farm never stored is stored, and its build queued, after the run; one it stored is left alone", async () => {
    const lostPush = withNewPush(branchPushExample());
    const lost = gh.hookDeliveries.add({ statusCode: 503, deliveredAt: new Date(Date.now() - HOUR), event: "push", payload: lostPush });
    // The farm stored this one but GitHub gave up waiting for the answer.
    const slowPush = withNewPush(branchPushExample());
    const slowGuid = randomUUID();
    expect((await postDelivery(api.url, { event: "push", payload: slowPush, secret: WEBHOOK_SECRET, deliveryId: slowGuid })).status).toBe(
      202,
    );
    gh.hookDeliveries.add({ guid: slowGuid, statusCode: 0, deliveredAt: new Date(Date.now() - HOUR), event: "push", payload: slowPush });
    expect(await api.db.webhookDelivery.count({ where: { githubDelivery: lost.guid } })).toBe(0);

    const counts = await redeliverFailedDeliveries(deps);
    expect(counts).toMatchObject({ listed: 2, failed: 2, alreadyStored: 1, redelivered: 1, errors: 0 });
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([lost.id]);
    await gh.hookDeliveries.settled();

    const stored = await api.db.webhookDelivery.findUnique({ where: { githubDelivery: lost.guid }, include: { builds: true } });
    expect(stored).toMatchObject({ event: "push", outcome: "build_queued" });
    expect(stored!.builds.map((b) => [b.sha, b.beforeSha])).toEqual([[lostPush.after, lostPush.before]]);
    // GitHub lists the redelivery with the farm's answer.
    expect(gh.hookDeliveries.items.at(-1)).toMatchObject({ guid: lost.guid, redelivery: true, status_code: 202 });

    // It succeeded: the next run asks for nothing.
    expect(await redeliverFailedDeliveries({ ...deps, asked: new Map() })).toMatchObject({ failed: 1, redelivered: 0 });
    expect(gh.hookDeliveries.redeliveryRequests).toHaveLength(1);
  });
});
