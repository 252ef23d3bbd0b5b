// A farm connected to GitHub as an App (against the local GitHub stand-in): a private
// repository fetched with installation tokens, check runs following each build, and the token
// nowhere it must not be.
import { GitHttpServer, GithubStandIn, testEnv, TestGitServer, type StandInRequest } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";
import { captureLines, tablesContaining, tokenForms, watchArgumentLists } from "./secret-scans";

const REPO = { id: 770_001, fullName: "acme-private/app" };
const BRANCH = "master";
const TARGET = `${testEnv.publishRegistry}/acme-private/app`;
const PUBLIC_URL = "https://slipway.example.com";
const BASE = `${testEnv.registry}/base/busybox:1`;
const SLIPWAY_YML = `publish:\n  - image: ${TARGET}\n`;

let gh: GithubStandIn;
let source: TestGitServer;
let host: GitHttpServer;
let farm: TestFarm;
const logs = captureLines();
const argv = watchArgumentLists();

beforeAll(async () => {
  gh = await GithubStandIn.start();
  gh.installApp(REPO.fullName);
  source = await TestGitServer.start();
  host = await GitHttpServer.start({ root: source.root, allows: (t, repo) => gh.allowsGit(t, repo) });
  farm = await startTestFarm({
    github: { settings: { apiUrl: gh.url, auth: { kind: "app", appId: gh.appId, privateKey: gh.privateKeyPem } }, publicUrl: PUBLIC_URL },
    gitHost: { baseUrl: host.baseUrl, protocols: ["http"] },
    logs: logs.stream,
    path: argv.path,
  });
});
afterAll(async () => {
  argv.stop();
  await farm?.close();
  await host?.close();
  await source?.destroy();
  await gh?.close();
});

async function push(files: Record<string, string | null>) {
  const sha = source.commit(REPO.fullName, files, { branch: BRANCH });
  const id = await pushCommit(farm.api.url, sha, { repository: REPO, ref: `refs/heads/${BRANCH}` });
  return { id, sha };
}
/** The check-run requests of one build (it is the run's external_id), in order. */
const checkRequests = (buildId: string): StandInRequest[] => {
  const ids = new Set([...gh.checkRuns.values()].filter((r) => r.external_id === buildId).map((r) => r.id));
  return gh.requests.filter(
    (r) =>
      r.path.includes("/check-runs") && r.status < 300 && (r.body?.external_id === buildId || ids.has(Number(r.path.split("/").pop()))),
  );
};
const collapsed = (xs: string[]) => xs.filter((x, i) => x !== xs[i - 1]);
const runOf = (buildId: string) => [...gh.checkRuns.values()].find((r) => r.external_id === buildId);
const waitForCheck = (buildId: string, conclusion: string) =>
  eventually(async () => runOf(buildId)?.conclusion === conclusion, 60_000, `check run of ${buildId} to be ${conclusion}`);

describe("a GitHub App", () => {
  it("fetches a private repository with an installation token and reports queued → in_progress → success", async () => {
    // The worker waits until GitHub shows the build queued: every report reads the build's
    // state when it runs, so a build already started would be reported in progress at once.
    await farm.worker.worker.pause();
    const { id, sha } = await push({ Dockerfile: `FROM ${BASE}\nRUN echo private build > /out.txt\n`, ".slipway.yml": SLIPWAY_YML });
    await eventually(async () => runOf(id)?.status === "queued", 30_000, "the check run to be queued");
    farm.worker.worker.resume();
    const build = await farm.waitForEnd(id);
    expect(build.errorMessage).toBeNull();
    expect(build.status).toBe("succeeded");
    await waitForCheck(id, "success");
    const run = runOf(id)!;
    expect(run).toMatchObject({
      name: "slipway",
      head_sha: sha,
      status: "completed",
      conclusion: "success",
      details_url: `${PUBLIC_URL}/builds/${id}`,
      external_id: id,
    });
    expect(run.output.title).toMatch(/^Built and published 3 tags$/);
    expect(run.output.summary).toContain("0/1 steps cached");
    expect(run.output.summary).toContain(`\`${TARGET}:${BRANCH}\``);
    expect(run.output.summary).toContain(`\`${TARGET}:latest\``);
    expect(run.started_at).toBe(build.startedAt!.toISOString());
    const requests = checkRequests(id);
    expect(requests[0]).toMatchObject({
      method: "POST",
      path: `/repos/${REPO.fullName}/check-runs`,
      auth: { kind: "installation" },
      body: { name: "slipway", head_sha: sha, status: "queued" },
    });
    expect(requests.slice(1).every((r) => r.method === "PATCH" && r.path === `/repos/${REPO.fullName}/check-runs/${run.id}`)).toBe(true);
    expect(collapsed(requests.map((r) => r.body.status))).toEqual(["queued", "in_progress", "completed"]);
    expect((await farm.api.db.build.findUniqueOrThrow({ where: { id } })).githubCheckRunId).toBe(BigInt(run.id));

    // git was handed a token narrowed to this repository and contents:read, and used it.
    const gitTokens = gh.issuedTokens.filter((t) => t.permissions.contents);
    expect(gitTokens.map((t) => [t.repositories, t.permissions])).toEqual([[[REPO.fullName], { contents: "read", metadata: "read" }]]);
    expect(host.authorizations).toContain(`Basic ${Buffer.from(`x-access-token:${gitTokens[0]!.token}`).toString("base64")}`);
    const log = await (await farm.apiFetch(`/builds/${id}/logs`)).text();
    expect(log).toContain("slipway: fetching with the farm's GitHub credentials");
  });

  it("a failed build fails its check with the step and its last lines; a retry updates the same check run", async () => {
    const { id } = await push({
      Dockerfile: `FROM ${BASE}\nRUN echo compiling part one && echo "fatal: the widget is broken" && exit 3\n`,
      ".slipway.yml": SLIPWAY_YML,
    });
    expect((await farm.waitForEnd(id)).status).toBe("failed");
    await waitForCheck(id, "failure");
    const run = runOf(id)!;
    expect(run.output.title).toMatch(/^Failed: \[2\/2\] RUN echo compiling part one/);
    expect(run.output.summary).toContain("Failed step: `[2/2] RUN echo compiling part one");
    expect(run.output.summary).toMatch(/Last \d+ lines? of that step:\n\n```\n[\s\S]*fatal: the widget is broken[\s\S]*```/);
    expect(run.details_url).toBe(`${PUBLIC_URL}/builds/${id}`);
    const firstRound = checkRequests(id).length;

    expect((await farm.apiFetch(`/builds/${id}/retry`, { method: "POST" })).status).toBe(202);
    await eventually(async () => (await farm.api.db.build.findUniqueOrThrow({ where: { id } })).attempt === 2, 10_000, "attempt 2");
    expect((await farm.waitForEnd(id)).status).toBe("failed");
    await eventually(
      async () =>
        checkRequests(id)
          .slice(firstRound)
          .some((r) => r.body.conclusion === "failure"),
      60_000,
      "the retry's failure report",
    );
    const retried = checkRequests(id).slice(firstRound);
    expect(retried.every((r) => r.method === "PATCH" && r.path.endsWith(`/check-runs/${run.id}`))).toBe(true);
    expect(collapsed(retried.map((r) => r.body.status))[0]).toBe("queued");
    expect(retried.at(-1)!.body).toMatchObject({ status: "completed", conclusion: "failure" });
    expect([...gh.checkRuns.values()].filter((r) => r.external_id === id)).toHaveLength(1);
  });

  it("GitHub failing (502s, a rate limit) delays nothing: the build publishes, the check ends right", async () => {
    const isCheck = (r: { path: string }) => r.path.includes("/check-runs");
    gh.failNext(3, "502", isCheck);
    gh.failNext(1, "rate-limit", isCheck);
    const { id } = await push({ Dockerfile: `FROM ${BASE}\nRUN echo flaky github > /f.txt\n`, ".slipway.yml": SLIPWAY_YML });
    const build = await farm.waitForEnd(id);
    expect(build.status).toBe("succeeded");
    await eventually(
      async () => (await farm.api.db.publish.count({ where: { buildId: id, status: "pushed" } })) === 3,
      60_000,
      "publishes",
    );
    await waitForCheck(id, "success");
    expect(gh.requests.filter((r) => isCheck(r) && r.status === 502)).toHaveLength(3);
    expect(gh.requests.filter((r) => isCheck(r) && r.status === 403)).toHaveLength(1);
    expect(runOf(id)!.output.title).toBe("Built and published 3 tags");
    expect([...gh.checkRuns.values()].filter((r) => r.external_id === id)).toHaveLength(1);
  });

  it("no token in a build log, a service log line, a database row or a process argument list", async () => {
    const { gitCalls, sampled } = argv.stop();
    const tokens = gh.issuedTokens.map((t) => t.token);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const forms = tokenForms(tokens);
    const builds = await farm.api.db.build.findMany({ select: { id: true, attempt: true } });
    for (const b of builds) {
      for (let attempt = 1; attempt <= b.attempt; attempt++) {
        const log = await (await farm.apiFetch(`/builds/${b.id}/logs?attempt=${attempt}`)).text();
        expect(log.length).toBeGreaterThan(0);
        for (const f of forms) expect(log).not.toContain(f);
      }
    }
    const serviceLogs = logs.text() + farm.api.logs();
    expect(serviceLogs).toContain("check run reported");
    for (const f of forms) expect(serviceLogs).not.toContain(f);
    expect(await tablesContaining(farm.api.db, forms)).toEqual([]);
    // The shim saw every git the worker ran (fetches included); the sampler saw the farm's processes.
    expect(gitCalls.some((c) => c.includes("fetch") && c.includes(host.baseUrl))).toBe(true);
    expect(sampled.some((c) => c.includes("buildx"))).toBe(true);
    for (const f of forms) {
      expect(gitCalls.filter((c) => c.includes(f))).toEqual([]);
      expect(sampled.filter((c) => c.includes(f))).toEqual([]);
    }
  });
});
