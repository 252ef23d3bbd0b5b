import { randomUUID } from "node:crypto";
import { githubExamples, postDelivery, pullRequestExample } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, storedCounts, WEBHOOK_SECRET, type TestApi } from "./harness";

let api: TestApi;
let allForks: TestApi;
beforeAll(async () => {
  [api, allForks] = await Promise.all([startTestApi(), startTestApi({ forkPullRequests: "all" })]);
});
afterAll(async () => {
  await Promise.all([api?.close(), allForks?.close()]);
});

const deliver = (to: TestApi, payload: unknown, deliveryId = randomUUID()) =>
  postDelivery(to.url, { event: "pull_request", payload, secret: WEBHOOK_SECRET, deliveryId });

describe("POST /webhooks/github with pull_request events", () => {
  it("GitHub's examples: opened, reopened and synchronize build the head commit; other actions are stored and ignored", async () => {
    const examples = githubExamples("pull_request");
    for (const payload of examples) {
      const res = await deliver(api, payload);
      expect(res.status, payload.action).toBe(202);
      if (!["opened", "reopened", "synchronize"].includes(payload.action)) {
        expect(res.body).toMatchObject({ outcome: "ignored", buildId: null });
        expect(res.body.reason).toContain(`action "${payload.action}" does not build`);
      }
    }
    const builds = await api.db.build.findMany({ include: { repository: true } });
    expect(builds.length).toBeGreaterThan(0);
    for (const b of builds) {
      expect(b.trigger).toBe("pull_request");
      expect(b.refType).toBe("pull_request");
      expect(b.ref).toBe(`refs/pull/${b.pullRequest}/head`);
      expect(b.fromFork).toBe(false);
      expect(b.baseRef).toBeTruthy();
    }
  });

  it("stores the head commit, base branch and number; a second event for the same head commit answers with the first build", async () => {
    const sha = "1".repeat(40);
    const payload = pullRequestExample({
      repository: { id: 9001, fullName: "acme/app" },
      number: 12,
      headSha: sha,
      headRef: "feature/x",
      baseRef: "release",
    });
    const first = await deliver(api, payload);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ outcome: "build_queued", duplicate: false });
    const build = await api.db.build.findUniqueOrThrow({ where: { id: first.body.buildId } });
    expect(build).toMatchObject({
      sha,
      ref: "refs/pull/12/head",
      refName: "feature/x",
      pullRequest: 12,
      baseRef: "release",
      headRepository: "acme/app",
      fromFork: false,
      status: "queued",
    });
    expect(await api.db.outboxMessage.count({ where: { payload: { path: ["buildId"], equals: build.id } } })).toBe(1);

    const again = await deliver(api, { ...payload, action: "reopened" });
    expect(again.body).toMatchObject({ outcome: "ignored", buildId: build.id, duplicate: true });
    expect(again.body.reason).toContain("already built");

    const pushed = await deliver(api, {
      ...payload,
      action: "synchronize",
      before: sha,
      pull_request: { ...payload.pull_request, head: { ...payload.pull_request.head, sha: "2".repeat(40) } },
    });
    expect(pushed.body).toMatchObject({ outcome: "build_queued", duplicate: false });
    expect(pushed.body.buildId).not.toBe(build.id);
  });

  it("a fork's pull request: by default only owners, members and collaborators build; the build is marked as a fork's", async () => {
    const base = { repository: { id: 9100, fullName: "acme/site" }, fork: { id: 777, fullName: "stranger/site" } };
    const before = await storedCounts(api.db);
    const stranger = await deliver(
      api,
      pullRequestExample({ ...base, number: 5, headSha: "3".repeat(40), authorAssociation: "FIRST_TIME_CONTRIBUTOR" }),
    );
    expect(stranger.status).toBe(202);
    expect(stranger.body).toMatchObject({ outcome: "ignored", buildId: null });
    expect(stranger.body.reason).toContain(
      "from a fork by an author GitHub calls FIRST_TIME_CONTRIBUTOR; SLIPWAY_FORK_PULL_REQUESTS=members",
    );
    expect(await storedCounts(api.db)).toMatchObject({ deliveries: before.deliveries + 1, builds: before.builds });

    const member = await deliver(api, pullRequestExample({ ...base, number: 6, headSha: "4".repeat(40), authorAssociation: "MEMBER" }));
    expect(member.body.outcome).toBe("build_queued");
    const b = await api.db.build.findUniqueOrThrow({ where: { id: member.body.buildId } });
    expect(b).toMatchObject({ fromFork: true, headRepository: "stranger/site", pullRequest: 6 });

    // A deleted fork (head.repo null) is a fork too.
    const gone = await deliver(
      allForks,
      pullRequestExample({ ...base, number: 8, headSha: "5".repeat(40), fork: null, authorAssociation: "NONE" }),
    );
    expect(gone.body.outcome).toBe("build_queued");
    expect(await allForks.db.build.findUniqueOrThrow({ where: { id: gone.body.buildId } })).toMatchObject({
      fromFork: true,
      headRepository: null,
    });
  });

  it("a head that claims the base repository's name but another id is a fork: the id decides, not the name or the fork flag", async () => {
    const p = pullRequestExample({
      repository: { id: 9200, fullName: "acme/api" },
      number: 3,
      headSha: "6".repeat(40),
      fork: { id: 9201, fullName: "acme/api" },
      authorAssociation: "NONE",
    });
    p.pull_request.head.repo.fork = false;
    const res = await deliver(api, p);
    expect(res.body).toMatchObject({ outcome: "ignored", buildId: null });
    expect(res.body.reason).toContain("is from a fork");
  });

  it("bad payloads: 422 naming the field, nothing stored", async () => {
    const before = await storedCounts(api.db);
    const wrongBase = pullRequestExample({ repository: { id: 9300, fullName: "acme/x" } });
    wrongBase.pull_request.base.repo.id = 1;
    const badSha = pullRequestExample();
    badSha.pull_request.head.sha = "--upload-pack=touch /tmp/pwned";
    const badRef = pullRequestExample();
    badRef.pull_request.head.ref = "a..b";
    const mismatch = pullRequestExample({ number: 4 });
    mismatch.pull_request.number = 5;
    for (const [payload, field] of [
      [wrongBase, "pull_request.base.repo.id"],
      [badSha, "pull_request.head.sha"],
      [badRef, "pull_request.head.ref"],
      [mismatch, "pull_request.number"],
    ] as const) {
      const res = await deliver(api, payload);
      expect(res.status, field).toBe(422);
      expect(res.body.error.message).toContain(field);
    }
    expect(await storedCounts(api.db)).toEqual(before);
  });

  it("the allow list applies to the base repository", async () => {
    const owners = await startTestApi({ allowedOwners: ["acme"] });
    try {
      const res = await deliver(
        owners,
        pullRequestExample({
          repository: { id: 9400, fullName: "other/app" },
          fork: { id: 9401, fullName: "acme/app" },
          authorAssociation: "OWNER",
        }),
      );
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain("other/app is not in SLIPWAY_ALLOWED_OWNERS");
    } finally {
      await owners.close();
    }
  });
});
