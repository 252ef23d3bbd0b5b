// POST /api/v1/builds: a build by hand, resolved on the git host, built and published like a push.
import { createApiToken } from "@slipway/auth";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

const create = (body: unknown, token?: string) =>
  fetch(`${farm.api.url}/api/v1/builds`, {
    method: "POST",
    headers: { authorization: `Bearer ${token ?? "test-bootstrap-token-0123456789abcdef"}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

describe("POST /api/v1/builds", () => {
  it("builds the head of a branch or a tag by hand, naming who asked", async () => {
    const first = farm.git.commit(
      REPO,
      { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo "manual ${Date.now()}"\n` },
      { branch: BRANCH },
    );
    // The farm learns of a repository from a delivery.
    expect((await farm.waitForEnd(await pushCommit(farm.api.url, first))).status).toBe("succeeded");
    const head = farm.git.commit(REPO, { "note.txt": "head\n" }, { branch: BRANCH, tag: "v9.9.9" });

    const byDefault = await create({ repository: REPO });
    expect(byDefault.status).toBe(202);
    expect(byDefault.body).toMatchObject({
      repository: REPO,
      trigger: "manual",
      ref: `refs/heads/${BRANCH}`,
      refType: "branch",
      refName: BRANCH,
      sha: head,
      pusher: "token:bootstrap",
      status: "queued",
    });
    const built = await farm.waitForEnd(byDefault.body.buildId ?? byDefault.body.id);
    expect(built.status).toBe("succeeded");
    expect(built.sha).toBe(head);

    const tag = await create({ repository: REPO.toLowerCase(), ref: "v9.9.9" });
    expect(tag.status).toBe(202);
    expect(tag.body).toMatchObject({ ref: "refs/tags/v9.9.9", refType: "tag", sha: head });

    // An older commit of the branch, by sha: allowed (the worker checks it is on the branch).
    const older = await create({ repository: REPO, ref: BRANCH, sha: first });
    expect(older.status).toBe(202);
    expect((await farm.waitForEnd(older.body.id)).status).toBe("succeeded");
    // A commit that is not on the branch is refused by the worker like any forged claim.
    const stray = await create({ repository: REPO, ref: BRANCH, sha: "0123456789abcdef0123456789abcdef01234567" });
    expect(stray.status).toBe(202);
    const strayBuild = await farm.waitForEnd(stray.body.id);
    expect(strayBuild.status).toBe("failed");
    expect(strayBuild.errorMessage).toContain("not found");
  });

  it("bad input: 400 naming the field, 422 for a ref that is not there, 404 beyond the token's reach", async () => {
    expect((await create({ repository: "../../etc" })).status).toBe(400);
    expect((await create({ repository: REPO, sha: "HEAD" })).body.error.message).toContain("sha: must be a 40-character hex commit sha");
    expect((await create({ repository: REPO, extra: 1 })).status).toBe(400);
    const missing = await create({ repository: REPO, ref: "no-such-branch" });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toBe(`${REPO} has no branch or tag "no-such-branch"`);
    expect((await create({ repository: REPO, ref: "--upload-pack=touch /tmp/x" })).status).toBe(422);
    expect((await create({ repository: "acme/unknown" })).status).toBe(404);
    const elsewhere = await createApiToken(farm.api.db, { name: "elsewhere", scopes: ["write"], repositories: ["someone-else/*"] });
    expect((await create({ repository: REPO }, elsewhere.token)).status).toBe(404);
    const reader = await createApiToken(farm.api.db, { name: "reader", scopes: ["read"] });
    expect((await create({ repository: REPO }, reader.token)).status).toBe(403);
  });
});
