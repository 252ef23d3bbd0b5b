// A farm connected to GitHub with a personal access token: private fetches with the PAT and
// commit statuses; and a farm without GitHub credentials, which cannot read the private
// repository and reports nothing.
import { OUTBOX_GITHUB_REPORT } from "@slipway/contracts";
import { GitHttpServer, GithubStandIn, testEnv, TestGitServer } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";
import { captureLines, tablesContaining, tokenForms, watchArgumentLists } from "./secret-scans";

const REPO = { id: 770_002, fullName: "acme-private/tool" };
const BRANCH = "master";
const PAT = "ghp_e2eTokenTest0123456789abcdefghijklmnop";
const BASE = `${testEnv.registry}/base/busybox:1`;
const TARGET = `${testEnv.publishRegistry}/acme-private/tool`;

let gh: GithubStandIn;
let source: TestGitServer;
let host: GitHttpServer;
beforeAll(async () => {
  gh = await GithubStandIn.start();
  gh.addPersonalAccessToken(PAT);
  source = await TestGitServer.start();
  host = await GitHttpServer.start({ root: source.root, allows: (t, repo) => gh.allowsGit(t, repo) });
});
afterAll(async () => {
  await host?.close();
  await source?.destroy();
  await gh?.close();
});

const push = async (farm: TestFarm, files: Record<string, string | null>) => {
  const sha = source.commit(REPO.fullName, files, { branch: BRANCH });
  return { sha, id: await pushCommit(farm.api.url, sha, { repository: REPO, ref: `refs/heads/${BRANCH}` }) };
};

describe("a personal access token", () => {
  let farm: TestFarm;
  const logs = captureLines();
  const argv = watchArgumentLists();
  beforeAll(async () => {
    farm = await startTestFarm({
      github: { settings: { apiUrl: gh.url, auth: { kind: "token", token: PAT } } },
      gitHost: { baseUrl: host.baseUrl, protocols: ["http"] },
      logs: logs.stream,
      path: argv.path,
    });
  });
  afterAll(async () => {
    argv.stop();
    await farm?.close();
  });

  it("fetches the private repository and reports commit statuses pending → success (no link without SLIPWAY_PUBLIC_URL)", async () => {
    await farm.worker.worker.pause();
    const { id, sha } = await push(farm, {
      Dockerfile: `FROM ${BASE}\nRUN echo with a pat > /p.txt\n`,
      ".slipway.yml": `publish:\n  - image: ${TARGET}\n`,
    });
    await eventually(async () => gh.statuses.some((s) => s.sha === sha), 30_000, "the queued status");
    farm.worker.worker.resume();
    expect((await farm.waitForEnd(id)).status).toBe("succeeded");
    await eventually(async () => gh.statuses.some((s) => s.sha === sha && s.state === "success"), 60_000, "the success status");
    const mine = gh.statuses.filter((s) => s.sha === sha);
    expect(mine[0]).toEqual({
      repository: REPO.fullName,
      sha,
      state: "pending",
      description: "Queued",
      target_url: null,
      context: "slipway",
    });
    expect(mine.map((s) => s.state).filter((s, i, a) => s !== a[i - 1])).toEqual(["pending", "success"]);
    expect(mine.at(-1)!.description).toMatch(/^Built in \d+\.\ds, 0\/1 steps cached; published 3 tags$/);
    expect(gh.requests.filter((r) => r.path.startsWith("/repos/")).every((r) => r.auth.kind === "pat")).toBe(true);
    expect(host.authorizations).toContain(`Basic ${Buffer.from(`x-access-token:${PAT}`).toString("base64")}`);
  });

  it("a failed build: failure naming the step", async () => {
    const { id, sha } = await push(farm, { Dockerfile: `FROM ${BASE}\nRUN echo nope && exit 4\n`, ".slipway.yml": null });
    expect((await farm.waitForEnd(id)).status).toBe("failed");
    await eventually(async () => gh.statuses.some((s) => s.sha === sha && s.state === "failure"), 60_000, "the failure status");
    expect(gh.statuses.filter((s) => s.sha === sha).at(-1)!.description).toMatch(/^Failed at \[2\/2\] RUN echo nope && exit 4: /);
  });

  it("the PAT is in no build log, service log, database row or argument list", async () => {
    const { gitCalls, sampled } = argv.stop();
    const forms = tokenForms([PAT]);
    for (const b of await farm.api.db.build.findMany({ select: { id: true } })) {
      const log = await (await farm.apiFetch(`/builds/${b.id}/logs`)).text();
      for (const f of forms) expect(log).not.toContain(f);
    }
    const serviceLogs = logs.text() + farm.api.logs();
    expect(serviceLogs).toContain("commit status reported");
    for (const f of forms) expect(serviceLogs).not.toContain(f);
    expect(await tablesContaining(farm.api.db, forms)).toEqual([]);
    expect(gitCalls.some((c) => c.includes("fetch"))).toBe(true);
    for (const f of forms) expect([...gitCalls, ...sampled].filter((c) => c.includes(f))).toEqual([]);
  });
});

describe("without GitHub credentials", () => {
  let farm: TestFarm;
  beforeAll(async () => {
    farm = await startTestFarm({ gitHost: { baseUrl: host.baseUrl, protocols: ["http"] } });
  });
  afterAll(async () => {
    await farm?.close();
  });

  it("a private repository fails as the user's failure, and nothing is reported or queued for GitHub", async () => {
    const before = gh.requests.length;
    const { id } = await push(farm, { Dockerfile: `FROM ${BASE}\n` });
    const build = await farm.waitForEnd(id);
    expect(build.status).toBe("failed");
    expect(build.errorClass).toBe("user");
    expect(build.errorMessage).toContain("repository not found or access denied");
    expect(await farm.api.db.outboxMessage.count({ where: { topic: OUTBOX_GITHUB_REPORT } })).toBe(0);
    expect(await farm.api.producers.report.queue.count()).toBe(0);
    expect(gh.requests.length).toBe(before);
  });
});
