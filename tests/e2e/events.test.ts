// GET /api/v1/events through a real build: every stage announces itself, a follower resumes
// after the last id it saw, and a token sees only the repositories it reaches.
import { createApiToken } from "@slipway/auth";
import { testEnv } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { BRANCH, PUSH_EXAMPLE, pushCommit, REPO } from "./push-payload";
import { readSse, type SseEvent } from "./sse-client";

const TARGET = `${testEnv.publishRegistry}/codertocat/events-${Date.now()}`;
let farm: TestFarm;
beforeAll(async () => {
  farm = await startTestFarm();
});
afterAll(async () => {
  await farm?.close();
});

const open = (token: string | null, headers: Record<string, string> = {}, ac = new AbortController()) =>
  fetch(`${farm.api.url}/api/v1/events`, {
    signal: ac.signal,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
const of = (events: SseEvent[], buildId: string) => events.filter((e) => JSON.parse(e.data).buildId === buildId);

describe("the event stream", () => {
  it("announces queued, started, each step, finished and published for a build, resumable by id, per repository", async () => {
    const adminRes = await open(null);
    expect(adminRes.status).toBe(401);
    await adminRes.body?.cancel();

    const other = await createApiToken(farm.api.db, { name: "other-repos", scopes: ["read"], repositories: ["someone-else/*"] });
    const mine = await farm.apiFetch("/events");
    const theirsAc = new AbortController();
    const theirs = await open(other.token, {}, theirsAc);
    expect(theirs.status).toBe(200);
    let theirEvents: SseEvent[] = [];
    const theirsRead = readSse(theirs, (es) => (theirEvents = es).some((e) => e.event.startsWith("build."))).catch(() => theirEvents);
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toContain("text/event-stream");

    const sha = farm.git.commit(
      REPO,
      {
        Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo "events ${Date.now()}" > /x\n`,
        ".slipway.yml": `publish:\n  - image: ${TARGET}\n`,
      },
      { branch: BRANCH },
    );
    const buildId = await pushCommit(farm.api.url, sha);
    const events = of(await readSse(mine, (es) => of(es, buildId).some((e) => e.event === "build.published")), buildId);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe("build.queued");
    expect(types[1]).toBe("build.started");
    expect(types.slice(-2)).toEqual(["build.finished", "build.published"]);
    expect(types.filter((t) => t === "build.step").length).toBeGreaterThanOrEqual(2);
    const data = events.map((e) => JSON.parse(e.data));
    expect(data[0]).toMatchObject({
      type: "build.queued",
      repository: PUSH_EXAMPLE.repository.full_name,
      sha,
      attempt: 1,
      trigger: "push",
    });
    const build = await farm.waitForEnd(buildId);
    expect(data.at(-2)).toMatchObject({
      type: "build.finished",
      status: "succeeded",
      cachedSteps: build.cachedSteps,
      totalSteps: build.totalSteps,
    });
    expect(data.at(-1)).toMatchObject({ type: "build.published", targets: [{ image: TARGET, digest: build.digest, error: null }] });
    const run = data.find((d) => d.type === "build.step" && d.name.includes("RUN echo"));
    expect(run).toMatchObject({ cached: false, error: null });
    // Ids grow; each event's id is its stream id.
    const ids = events.map((e) => e.id!);
    expect(
      [...ids].sort((a, b) =>
        BigInt(a.split("-")[0]!) === BigInt(b.split("-")[0]!)
          ? Number(a.split("-")[1]) - Number(b.split("-")[1])
          : Number(BigInt(a.split("-")[0]!) - BigInt(b.split("-")[0]!)),
      ),
    ).toEqual(ids);

    // Resume after the second event: the rest, in order, and nothing before it.
    const resumed = await farm.apiFetch("/events", { headers: { "last-event-id": ids[1]! } });
    const again = of(await readSse(resumed, (es) => of(es, buildId).length >= ids.length - 2), buildId);
    expect(again.map((e) => e.id)).toEqual(ids.slice(2));

    // The other repository's token saw none of it.
    theirsAc.abort();
    expect((await theirsRead).filter((e) => e.event.startsWith("build."))).toEqual([]);
  });

  it("tells a running attempt's finished steps to a page opened mid-build (GET .../steps before they are stored)", async () => {
    const events = await farm.apiFetch("/events");
    const branch = `mid-${Date.now()}`;
    const sha = farm.git.commit(
      REPO,
      { Dockerfile: `FROM ${testEnv.registry}/base/busybox:1\nRUN echo "first ${Date.now()}" > /a\nRUN sleep 120\n` },
      { branch },
    );
    const buildId = await pushCommit(farm.api.url, sha, { ref: `refs/heads/${branch}` });
    await readSse(events, (es) => of(es, buildId).some((e) => e.event === "build.step" && JSON.parse(e.data).name.includes("echo")));
    const res = await farm.apiFetch(`/builds/${buildId}/steps`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { attempt: number; steps: { name: string; cached: boolean; completedAt: string | null }[] };
    expect(body.attempt).toBe(1);
    const first = body.steps.find((s) => s.name.includes("echo"));
    expect(first).toMatchObject({ cached: false });
    expect(first?.completedAt).toBeTruthy();
    expect(body.steps.some((s) => s.name.includes("sleep 120"))).toBe(false); // still running: not told yet
    expect(await farm.api.db.buildStep.count({ where: { buildId } })).toBe(0); // nothing stored yet: these came from the events
    expect((await farm.apiFetch(`/builds/${buildId}/cancel`, { method: "POST" })).status).toBe(202);
    expect((await farm.waitForEnd(buildId)).status).toBe("cancelled");
  });

  it("refuses an event id that is not one (400 naming it)", async () => {
    const res = await farm.apiFetch("/events", { headers: { "last-event-id": "../../x" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("must be an event id");
  });
});
