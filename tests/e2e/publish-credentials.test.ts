// Publishing with stored registry credentials through the whole farm (api, build worker,
// publisher; real git server, buildx, registries). Two targets stand in for GHCR and Docker
// Hub: a Distribution registry with htpasswd (basic) auth, and one with token auth behind the
// tests' own token server. Each sits behind a recording proxy, so the test counts the blob
// uploads the publisher makes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "@slipway/registry";
import {
  startFlakyProxy,
  startRegistry,
  startTokenServer,
  testEnv,
  type FlakyProxy,
  type TestRegistry,
  type TokenServer,
} from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, pushCommit, REPO } from "./push-payload";

// The blob upload counts of each publish go into the run's JSON report (meta.blobUploads).
declare module "vitest" {
  interface TaskMeta {
    blobUploads?: Record<string, number>;
  }
}

const GHCR_USER = { username: "codertocat", password: "ghp_basic-secret-Kx81q0Zt" };
const HUB_USER = { username: "codertocathub", password: "dckr_pat_token-secret-Vb72m" };
const WIDGET = { id: 91_001, fullName: "octo-org/widget" };
const SECOND = { id: 91_002, fullName: "Codertocat/second" };
const BASE = `${testEnv.registry}/base/busybox:1`;

const dir = mkdtempSync(join(tmpdir(), "slipway-publish-creds-"));
let farm: TestFarm;
let tokens: TokenServer;
let basic: TestRegistry;
let bearer: TestRegistry;
let basicProxy: FlakyProxy;
let bearerProxy: FlakyProxy;
/** what the test itself reads the targets with */
let reader: RegistryClient;

beforeAll(async () => {
  tokens = await startTokenServer(dir, HUB_USER);
  [basic, bearer] = await Promise.all([startRegistry({ htpasswd: GHCR_USER }), startRegistry({ authYaml: tokens.authYaml })]);
  [basicProxy, bearerProxy] = await Promise.all([
    startFlakyProxy(basic.host, () => undefined),
    startFlakyProxy(bearer.host, () => undefined),
  ]);
  reader = new RegistryClient({
    credentials: (host) => (host === basicProxy.host ? GHCR_USER : host === bearerProxy.host ? HUB_USER : undefined),
  });
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
  await Promise.all([basicProxy?.close(), bearerProxy?.close(), basic?.stop(), bearer?.stop(), tokens?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const putCredential = (host: string, body: object) =>
  farm.apiFetch(`/registries/${host}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const uploads = (proxy: FlakyProxy, from = 0) =>
  proxy.log
    .slice(from)
    .filter((r) => (r.method === "POST" || r.method === "PUT" || r.method === "PATCH") && /\/blobs\/uploads\//.test(r.path)).length;
const files = (targets: string[], content: string) => ({
  Dockerfile: `FROM ${BASE}\nRUN echo "${content}" > /content\n`,
  ".slipway.yml": `publish:\n${targets.map((t) => `  - image: ${t}\n`).join("")}`,
});
async function build(
  fullName: string,
  fileSet: Record<string, string>,
  opts: { ref?: string; repository?: { id: number; fullName: string } } = {},
) {
  const sha = farm.git.commit(fullName, fileSet, { branch: BRANCH });
  const id = await pushCommit(farm.api.url, sha, opts);
  const b = await farm.waitForEnd(id);
  expect(b.status, b.errorMessage ?? "").toBe("succeeded");
  return b;
}
const rowsSettled = (buildId: string, count: number) =>
  eventually(
    async () => (await farm.api.db.publish.count({ where: { buildId, status: { in: ["pushed", "failed", "superseded"] } } })) >= count,
    60_000,
    `publishes of ${buildId}`,
  );
const logOf = async (id: string) => (await farm.apiFetch(`/builds/${id}/logs`)).text();

describe("publishing with stored registry credentials", () => {
  let basicTarget: string;
  let bearerTarget: string;
  let first: Awaited<ReturnType<typeof build>>;
  let widget: Awaited<ReturnType<typeof build>>;

  it("stores both credentials, then publishes to both targets; every tag pulled back has the build's digest", async ({ task }) => {
    basicTarget = `${basicProxy.host}/codertocat/hello-world`;
    bearerTarget = `${bearerProxy.host}/codertocat/hello-world`;
    expect((await putCredential(basicProxy.host, { ...GHCR_USER, repositories: ["codertocat/*"] })).status).toBe(200);
    expect((await putCredential(bearerProxy.host, { ...HUB_USER, repositories: ["Codertocat/Hello-World"] })).status).toBe(200);

    first = await build(REPO, files([basicTarget, bearerTarget], `creds ${Date.now()}`));
    await rowsSettled(first.id, 6);
    const rows = await farm.api.db.publish.findMany({ where: { buildId: first.id }, orderBy: [{ target: "asc" }, { tag: "asc" }] });
    expect(rows.map((r) => [r.target, r.tag, r.status, r.error])).toEqual(
      [basicTarget, bearerTarget]
        .sort()
        .flatMap((t) => ["latest", BRANCH, `sha-${first.sha.slice(0, 7)}`].sort().map((tag) => [t, tag, "pushed", null])),
    );
    for (const r of rows) {
      const [host, ...path] = r.target.split("/");
      expect((await reader.getManifest(host!, path.join("/"), r.tag)).digest, `${r.target}:${r.tag}`).toBe(first.digest);
    }
    // The token service was asked with the stored credential, for push on the target.
    expect(
      tokens.requests.some((q) => q.user === HUB_USER.username && q.scopes.includes("repository:codertocat/hello-world:pull,push")),
    ).toBe(true);
    const counts = { basic: uploads(basicProxy), bearer: uploads(bearerProxy) };
    task.meta.blobUploads = counts;
    expect(counts.basic).toBeGreaterThan(0);
    expect(counts.bearer).toBeGreaterThan(0);
  });

  it("re-publishing an image whose layers are already at the targets uploads no layer again", async ({ task }) => {
    const marks = { basic: basicProxy.log.length, bearer: bearerProxy.log.length };
    // The same commit on another branch: the same image (same digest), published as new tags.
    farm.git.setRef(REPO, "refs/heads/release", first.sha);
    const id = await pushCommit(farm.api.url, first.sha, { ref: "refs/heads/release" });
    const again = await farm.waitForEnd(id);
    expect(again.digest).toBe(first.digest);
    await rowsSettled(id, 4);
    const rows = await farm.api.db.publish.findMany({ where: { buildId: id } });
    expect(rows.map((r) => r.status)).toEqual(["pushed", "pushed", "pushed", "pushed"]);
    expect((await reader.getManifest(basicProxy.host, "codertocat/hello-world", "release")).digest).toBe(first.digest);
    const counts = { basic: uploads(basicProxy, marks.basic), bearer: uploads(bearerProxy, marks.bearer) };
    const heads = basicProxy.log.slice(marks.basic).filter((r) => r.method === "HEAD" && r.path.includes("/blobs/")).length;
    task.meta.blobUploads = { ...counts, basicBlobHeads: heads };
    expect(counts).toEqual({ basic: 0, bearer: 0 });
    expect(heads).toBeGreaterThan(0);
  });

  it("a repository the credential does not allow is refused, naming the rule; nothing reaches the target", async () => {
    const target = `${bearerProxy.host}/octo-org/widget`;
    const before = bearerProxy.log.length;
    widget = await build(WIDGET.fullName, files([target], `widget ${Date.now()}`), { repository: WIDGET });
    await rowsSettled(widget.id, 3);
    const message = `publish to ${target} refused: no registry credential for ${bearerProxy.host} allows ${WIDGET.fullName} (add one with PUT /api/v1/registries/${bearerProxy.host}, or list the host in SLIPWAY_PUBLIC_PUBLISH_HOSTS)`;
    const rows = await farm.api.db.publish.findMany({ where: { buildId: widget.id } });
    expect(rows.map((r) => [r.status, r.error, r.digest])).toEqual([
      ["failed", message, null],
      ["failed", message, null],
      ["failed", message, null],
    ]);
    expect(await logOf(widget.id)).toContain(`slipway: ${message}`);
    // Not one request reached the registry for it, and there is nothing there.
    expect(bearerProxy.log.length).toBe(before);
    expect(await reader.manifestDigest(bearerProxy.host, "octo-org/widget", BRANCH)).toBeUndefined();
    // A refusal is the user's to fix: not retried.
    const job = await farm.api.producers.publish.queue.getJob(`publish-${widget.id}-1`);
    expect([job?.attemptsMade, await job?.getState()]).toEqual([1, "failed"]);
  });

  it("a second repository allowed by the credential cannot publish to the first one's image", async () => {
    const before = await reader.getManifest(basicProxy.host, "codertocat/hello-world", BRANCH);
    const second = await build(SECOND.fullName, files([basicTarget], `second ${Date.now()}`), { repository: SECOND });
    await rowsSettled(second.id, 3);
    const message = `publish to ${basicTarget} refused: ${basicTarget} belongs to ${REPO}, the first repository to publish to it; one repository never overwrites another's images`;
    const rows = await farm.api.db.publish.findMany({ where: { buildId: second.id } });
    expect(rows.map((r) => [r.status, r.error])).toEqual([
      ["failed", message],
      ["failed", message],
      ["failed", message],
    ]);
    expect(await logOf(second.id)).toContain(`slipway: ${message}`);
    expect((await reader.getManifest(basicProxy.host, "codertocat/hello-world", BRANCH)).digest).toBe(before.digest);
    expect(await reader.manifestDigest(basicProxy.host, "codertocat/hello-world", `sha-${second.sha.slice(0, 7)}`)).toBeUndefined();
  });

  it("publish/retry: once the credential allows it, the refused publish succeeds without a new build attempt", async () => {
    expect((await putCredential(bearerProxy.host, { ...HUB_USER, repositories: ["codertocat/hello-world", WIDGET.fullName] })).status).toBe(
      200,
    );
    const res = await farm.apiFetch(`/builds/${widget.id}/publish/retry`, { method: "POST" });
    expect(res.status).toBe(202);
    const target = `${bearerProxy.host}/octo-org/widget`;
    expect(await res.json()).toEqual({
      buildId: widget.id,
      attempt: 1,
      retried: [{ target, tags: ["latest", BRANCH, `sha-${widget.sha.slice(0, 7)}`].sort() }],
    });
    await eventually(
      async () => (await farm.api.db.publish.count({ where: { buildId: widget.id, status: "pushed" } })) === 3,
      60_000,
      "retried publish",
    );
    for (const tag of ["latest", BRANCH])
      expect((await reader.getManifest(bearerProxy.host, "octo-org/widget", tag)).digest).toBe(widget.digest);
    const after = await farm.api.db.build.findUniqueOrThrow({ where: { id: widget.id }, include: { attempts: true } });
    expect([after.status, after.attempt, after.attempts.length, after.digest]).toEqual(["succeeded", 1, 1, widget.digest]);
    // Nothing left to retry.
    expect((await farm.apiFetch(`/builds/${widget.id}/publish/retry`, { method: "POST" })).status).toBe(409);
  });

  it("no password reached an API answer, a log line, a build log, a job payload or a row", async () => {
    const passwords = [GHCR_USER.password, HUB_USER.password];
    const seen: string[] = [
      await (await farm.apiFetch("/registries")).text(),
      farm.api.logs(),
      farm.publisherLogs(),
      JSON.stringify(await farm.api.db.publish.findMany()),
      JSON.stringify(await farm.api.db.outboxMessage.findMany(), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
      JSON.stringify(
        (await farm.api.producers.publish.queue.getJobs(["completed", "failed", "waiting", "active", "delayed"])).map((j) => [
          j.id,
          j.data,
          j.failedReason,
        ]),
      ),
      JSON.stringify(await farm.api.db.secret.findMany()),
    ];
    for (const id of [first.id, widget.id]) seen.push(await logOf(id));
    expect(farm.publisherLogs()).toContain("publish refused");
    for (const text of seen) for (const p of passwords) expect(text).not.toContain(p);
  });
});
