import { branchPushExample, postDelivery } from "@slipway/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, storedCounts, WEBHOOK_SECRET, type TestApi } from "./harness";

const push = branchPushExample();

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.close();
});
// Bad input stores nothing and enqueues nothing.
afterEach(async () => {
  expect(await storedCounts(api.db)).toEqual({ deliveries: 0, builds: 0, outbox: 0, repositories: 0 });
  expect(await api.queue.queue.count()).toBe(0);
});

const withoutField = (obj: any, path: string[]): any => {
  const copy = structuredClone(obj);
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k];
  delete cur[path.at(-1)!];
  return copy;
};

describe("bad webhook input is rejected with a clear 4xx and never stored", () => {
  it("401 for a missing signature", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: push, secret: WEBHOOK_SECRET, signature: null });
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: "unauthorized", message: "missing X-Hub-Signature-256 header" });
  });

  it("401 for a signature made with another secret", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: push, secret: "some-other-secret-entirely" });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe("signature does not match the body");
  });

  it("401 for a body changed after signing", async () => {
    const { sign } = await import("@octokit/webhooks-methods");
    const signature = await sign(WEBHOOK_SECRET, JSON.stringify(push));
    const res = await postDelivery(api.url, {
      event: "push",
      payload: { ...push, ref: "refs/heads/evil" },
      secret: WEBHOOK_SECRET,
      signature,
    });
    expect(res.status).toBe(401);
  });

  it("401 for a malformed signature header", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: push, secret: WEBHOOK_SECRET, signature: "sha1=abc" });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain("sha256=");
  });

  it("400 for a missing X-GitHub-Event header", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: push, secret: WEBHOOK_SECRET, headers: { "x-github-event": null } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe("missing X-GitHub-Event header");
  });

  it("400 for a missing X-GitHub-Delivery header", async () => {
    const res = await postDelivery(api.url, {
      event: "push",
      payload: push,
      secret: WEBHOOK_SECRET,
      headers: { "x-github-delivery": null },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe("missing X-GitHub-Delivery header");
  });

  it("400 for signed but malformed JSON", async () => {
    const res = await postDelivery(api.url, {
      event: "push",
      payload: null,
      rawBody: '{"ref": "refs/heads/main",',
      secret: WEBHOOK_SECRET,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toMatch(/^body is not valid JSON/);
  });

  it("400 for a JSON body that is not an object", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: null, rawBody: "[1,2,3]", secret: WEBHOOK_SECRET });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe("body must be a JSON object");
  });

  // Found by fuzz-webhook.test.ts: Node's parser refused these before any route, and Fastify answered in a shape of its own.
  it("431 in the API's error shape for headers over 16 KiB", async () => {
    const res = await postDelivery(api.url, {
      event: "push",
      payload: push,
      secret: WEBHOOK_SECRET,
      headers: { "x-padding": "a".repeat(17_000) },
    });
    expect(res.status).toBe(431);
    expect(res.body.error).toEqual({ code: "headers_too_large", message: "request headers are larger than the limit (16 KiB in all)" });
  });

  it("413 for a body over GitHub's 25 MB cap", async () => {
    const big = { ...push, padding: "x".repeat(25 * 1024 * 1024) };
    const res = await postDelivery(api.url, { event: "push", payload: big, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it.each([
    [["ref"], "ref"],
    [["after"], "after"],
    [["repository"], "repository"],
    [["repository", "full_name"], "repository.full_name"],
    [["repository", "name"], "repository.name"],
    [["repository", "id"], "repository.id"],
  ])("422 for a push payload without %j, naming the field", async (path, name) => {
    const res = await postDelivery(api.url, { event: "push", payload: withoutField(push, path), secret: WEBHOOK_SECRET });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unprocessable");
    expect(res.body.error.message).toContain(`${name}:`);
  });

  it("422 for a push whose sha is not a commit sha", async () => {
    const res = await postDelivery(api.url, { event: "push", payload: { ...push, after: "not-a-sha" }, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("after: must be a 40-character hex commit sha");
  });
});
