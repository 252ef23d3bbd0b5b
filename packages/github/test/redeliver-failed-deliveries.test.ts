// Redelivering the App webhook's lost deliveries, against the GitHub stand-in (JWT-only
// endpoints, cursor pagination) and a real PostgreSQL database of the test's own.
import { createDb, type Db } from "@slipway/db";
import { createLogger } from "@slipway/logger";
import { createTestDatabase, GithubStandIn, testEnv, type TestDatabase } from "@slipway/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OctokitGithubClient } from "../src/octokit-github-client";
import { redeliverFailedDeliveries, type RedeliverDeps } from "../src/redeliver-failed-deliveries";

const HOUR = 3600_000;
const lines: string[] = [];
const logger = createLogger({ name: "redeliver-test", level: "info", destination: { write: (s: string) => void lines.push(s) } as never });
let database: TestDatabase;
let db: Db;
let gh: GithubStandIn;
let github: OctokitGithubClient;
let deps: RedeliverDeps;

beforeAll(async () => {
  database = await createTestDatabase(testEnv.adminDatabaseUrl);
  db = createDb({ databaseUrl: database.url, poolSize: 2 });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});
beforeEach(async () => {
  lines.length = 0;
  gh = await GithubStandIn.start();
  github = new OctokitGithubClient({ apiUrl: gh.url, auth: { kind: "app", appId: gh.appId, privateKey: gh.privateKeyPem } });
  deps = { github, db, logger, asked: new Map() };
});
afterEach(async () => {
  await gh.close();
});

const ago = (ms: number) => new Date(Date.now() - ms);
const seed = (statusCode: number, agoMs: number, extra: { guid?: string; redelivery?: boolean } = {}) =>
  gh.hookDeliveries.add({ statusCode, deliveredAt: ago(agoMs), event: "push", ...extra });
const listRequests = () => gh.requests.filter((r) => r.path === "/app/hook/deliveries");

describe("redeliverFailedDeliveries", () => {
  it("asks GitHub to redeliver, once, the failed deliveries of the window the farm never stored", async () => {
    const noAnswer = seed(0, 2 * HOUR);
    const unavailable = seed(503, 1 * HOUR);
    const storedAnyway = seed(504, 1 * HOUR);
    await db.webhookDelivery.create({ data: { githubDelivery: storedAnyway.guid, event: "push", outcome: "ignored", payload: {} } });
    const fixedLater = seed(502, 3 * HOUR);
    seed(200, 2.5 * HOUR, { guid: fixedLater.guid, redelivery: true });
    seed(503, 8 * HOUR); // before the window
    const hopeless = seed(401, 5 * HOUR);
    for (const h of [4, 3, 2]) seed(401, h * HOUR, { guid: hopeless.guid, redelivery: true });
    const askedRecently = seed(503, 1 * HOUR);
    seed(503, 10 * 60_000, { guid: askedRecently.guid, redelivery: true });
    seed(422, 1 * HOUR); // refused on purpose (a payload it cannot build from): sending it again changes nothing
    seed(503, 30 * 60_000, { redelivery: true }); // first sent before the window: only a redelivery is listed
    // 240 successes around them: three pages of 100.
    for (let i = 0; i < 240; i++) seed(202, (i + 1) * 60_000);

    const counts = await redeliverFailedDeliveries(deps, { sinceMs: 6 * HOUR });

    expect(counts).toEqual({ listed: 253, failed: 7, alreadyStored: 1, redelivered: 2, gaveUp: 3, errors: 0 });
    // Oldest first; nothing else asked for (not the stored one, the fixed one, the old one, the hopeless one, the one asked recently).
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([noAnswer.id, unavailable.id]);
    // Listed with the App's JWT, 100 at a time, following GitHub's cursor, until the window ends.
    expect(listRequests().map((r) => [r.auth.kind, r.status, r.query.per_page, r.query.cursor !== undefined])).toEqual([
      ["jwt", 200, "100", false],
      ["jwt", 200, "100", true],
      ["jwt", 200, "100", true],
    ]);
    expect(listRequests().every((r) => r.query.status === undefined)).toBe(true);
    const asks = gh.requests.filter((r) => r.method === "POST");
    expect(asks.map((r) => [r.path, r.auth.kind, r.status])).toEqual([
      [`/app/hook/deliveries/${noAnswer.id}/attempts`, "jwt", 202],
      [`/app/hook/deliveries/${unavailable.id}/attempts`, "jwt", 202],
    ]);
    const run = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "webhook redelivery run");
    expect(run).toMatchObject({ listed: 253, failed: 7, redelivered: 2 });
    for (const r of gh.requests) expect(lines.join("")).not.toContain(r.auth.token);

    // GitHub made the attempts (answered 200): the next run asks for nothing.
    await gh.hookDeliveries.settled();
    const again = await redeliverFailedDeliveries(deps, { sinceMs: 6 * HOUR });
    expect(again).toMatchObject({ failed: 5, redelivered: 0 });
    expect(gh.hookDeliveries.redeliveryRequests).toHaveLength(2);
  });

  it("a redelivery that failed again is asked for again only after 30 minutes, even by another process", async () => {
    gh.hookDeliveries.redeliveryStatusCode = 503;
    const lost = seed(503, 1 * HOUR);
    expect((await redeliverFailedDeliveries(deps)).redelivered).toBe(1);
    await gh.hookDeliveries.settled();
    // Another api process (no memory of this one's asks) reads the failed redelivery from GitHub's list.
    const other = { ...deps, asked: new Map<string, number>() };
    expect(await redeliverFailedDeliveries(other)).toMatchObject({ failed: 1, redelivered: 0 });
    expect(await redeliverFailedDeliveries(other, { now: Date.now() + 31 * 60_000 })).toMatchObject({ redelivered: 1 });
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([lost.id, gh.hookDeliveries.items[1]!.id]);
  });

  it("an ask GitHub has not acted on yet is not repeated by the process that made it", async () => {
    const lost = seed(503, 1 * HOUR);
    await redeliverFailedDeliveries(deps);
    await gh.hookDeliveries.settled();
    // As if GitHub had not made the attempt yet: only the original is listed.
    gh.hookDeliveries.items.splice(1);
    expect(await redeliverFailedDeliveries(deps)).toMatchObject({ failed: 1, redelivered: 0 });
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([lost.id]);
  });

  it("stops at the page bound and says so", async () => {
    for (let i = 0; i < 150; i++) seed(503, (i + 1) * 60_000);
    const counts = await redeliverFailedDeliveries(deps, { maxPages: 1, maxPerRun: 10 });
    expect(counts).toMatchObject({ listed: 100, failed: 100, redelivered: 10 });
    expect(listRequests()).toHaveLength(1);
    expect(lines.some((l) => l.includes("more than the listing bound"))).toBe(true);
  });

  it("GitHub refusing a redelivery is counted and logged, and the others are still asked for", async () => {
    const gone = seed(503, 2 * HOUR);
    const lost = seed(503, 1 * HOUR);
    gh.failNext(1, "502", (r) => r.path === `/app/hook/deliveries/${gone.id}/attempts`);
    const counts = await redeliverFailedDeliveries(deps);
    expect(counts).toMatchObject({ redelivered: 1, errors: 1 });
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([lost.id]);
    expect(lines.some((l) => l.includes("GitHub did not redeliver") && l.includes(gone.guid))).toBe(true);
  });
});

describe("the App's hook deliveries in OctokitGithubClient", () => {
  it("a delivery id GitHub does not know is a 404", async () => {
    await expect(deps.github.redeliverHookDelivery(42)).rejects.toMatchObject({ status: 404 });
  });

  it("with a PAT there is no App webhook: nothing is listed or redelivered and GitHub is not called", async () => {
    gh.addPersonalAccessToken("ghp_test_token_0123456789");
    const pat = new OctokitGithubClient({ apiUrl: gh.url, auth: { kind: "token", token: "ghp_test_token_0123456789" } });
    seed(503, 1 * HOUR);
    expect(await pat.listHookDeliveries(Date.now() - HOUR)).toEqual({ deliveries: [], complete: true });
    await pat.redeliverHookDelivery(gh.hookDeliveries.items[0]!.id);
    expect(await redeliverFailedDeliveries({ ...deps, github: pat })).toMatchObject({ listed: 0, redelivered: 0 });
    expect(gh.requests).toEqual([]);
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([]);
  });

  it("the stand-in, like GitHub, refuses installation tokens and PATs on the App's webhook", async () => {
    gh.installApp("acme/app");
    gh.addPersonalAccessToken("ghp_test_token_0123456789");
    const d = seed(503, HOUR);
    const installationToken = await github.gitToken("acme/app");
    for (const token of [installationToken!, "ghp_test_token_0123456789"]) {
      const list = await fetch(`${gh.url}/app/hook/deliveries`, { headers: { authorization: `token ${token}` } });
      const ask = await fetch(`${gh.url}/app/hook/deliveries/${d.id}/attempts`, {
        method: "POST",
        headers: { authorization: `token ${token}` },
      });
      expect([list.status, ask.status]).toEqual([401, 401]);
    }
    expect(gh.hookDeliveries.redeliveryRequests).toEqual([]);
  });
});

describe("the listing window", () => {
  it("only attempts delivered since the time asked for are returned, newest first", async () => {
    const recent = seed(503, HOUR);
    const older = seed(503, 3 * HOUR);
    seed(503, 5 * HOUR);
    const { deliveries, complete } = await deps.github.listHookDeliveries(Date.now() - 4 * HOUR);
    expect(complete).toBe(true);
    expect(deliveries.map((d) => [d.id, d.guid, d.statusCode, d.redelivery])).toEqual([
      [recent.id, recent.guid, 503, false],
      [older.id, older.guid, 503, false],
    ]);
  });
});
