// Attacks on ingest: payload fields that try to steer the farm, repositories the farm does not
// serve, replays of a signed push, bodies signed over other bytes, floods of large bodies.
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import { branchPushExample, postDelivery } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, storedCounts, WEBHOOK_SECRET, type TestApi } from "./harness";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ allowedOwners: ["Codertocat", "acme/web"], maxLargeWebhookBodies: 1 });
});
afterAll(async () => {
  await api?.close();
});

const sha = () => randomUUID().replace(/-/g, "").padEnd(40, "0").slice(0, 40);
const pushOf = (fullName: string, patch: Record<string, unknown> = {}) => {
  const p = branchPushExample({ id: 1000 + fullName.length * 7 + fullName.charCodeAt(0), fullName });
  p.after = sha();
  return { ...p, ...patch };
};

describe("names from a payload are checked against GitHub's grammar", () => {
  it.each([
    [{ full_name: "--upload-pack=touch x/y", name: "y" }, "repository.full_name"],
    [{ full_name: "../../etc/passwd", name: "passwd" }, "repository.full_name"],
    [{ full_name: "Codertocat/..", name: ".." }, "repository.full_name"],
    [{ full_name: "Codertocat/we b", name: "we b" }, "repository.full_name"],
    [{ full_name: "Codertocat/Hello-World", name: "Other" }, "repository.name"],
    [{ default_branch: "--exec=sh" }, "repository.default_branch"],
  ])("422 for repository %j, stores nothing", async (repo, field) => {
    const before = await storedCounts(api.db);
    const p = branchPushExample();
    p.repository = { ...p.repository, ...repo };
    const res = await postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(`${field}:`);
    expect(await storedCounts(api.db)).toEqual(before);
  });

  it("422 for a ref git would read as a range or an option", async () => {
    for (const ref of ["refs/heads/a..b", "refs/heads/x y", "--upload-pack=x"]) {
      const res = await postDelivery(api.url, {
        event: "push",
        payload: pushOf("Codertocat/Hello-World", { ref }),
        secret: WEBHOOK_SECRET,
      });
      expect(res.status, ref).toBe(422);
      expect(res.body.error.message).toContain("ref:");
    }
  });

  it("URLs in the payload are neither stored nor needed", async () => {
    const p = pushOf("Codertocat/Hello-World", {});
    p.repository.clone_url = "--upload-pack=touch /tmp/slipway-pwned;";
    p.repository.html_url = "file:///etc";
    const res = await postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(202);
    const repo = await api.db.repository.findUniqueOrThrow({ where: { githubId: BigInt(p.repository.id) } });
    expect(JSON.stringify(repo, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/upload-pack|file:/);
    delete p.repository.clone_url;
    const again = await postDelivery(api.url, { event: "push", payload: { ...p, after: sha() }, secret: WEBHOOK_SECRET });
    expect(again.status).toBe(202);
  });
});

describe("SLIPWAY_ALLOWED_OWNERS", () => {
  it("refuses a push from another owner with 403, stores it with the reason, queues nothing", async () => {
    const before = await storedCounts(api.db);
    const deliveryId = randomUUID();
    const res = await postDelivery(api.url, { event: "push", payload: pushOf("evil/web"), secret: WEBHOOK_SECRET, deliveryId });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: "forbidden",
      message: "repository evil/web is not in SLIPWAY_ALLOWED_OWNERS: this farm does not build it",
    });
    const row = await api.db.webhookDelivery.findUniqueOrThrow({ where: { githubDelivery: deliveryId } });
    expect(row).toMatchObject({ outcome: "refused", reason: res.body.error.message, repositoryId: null });
    const after = await storedCounts(api.db);
    expect(after).toEqual({ ...before, deliveries: before.deliveries + 1 });
    // The same delivery again: still refused, nothing more stored.
    const again = await postDelivery(api.url, { event: "push", payload: pushOf("evil/web"), secret: WEBHOOK_SECRET, deliveryId });
    expect(again.status).toBe(403);
    expect(await storedCounts(api.db)).toEqual(after);
  });

  it("a listed repository is not its whole owner; owners and names match case-insensitively", async () => {
    expect((await postDelivery(api.url, { event: "push", payload: pushOf("acme/other"), secret: WEBHOOK_SECRET })).status).toBe(403);
    expect((await postDelivery(api.url, { event: "push", payload: pushOf("ACME/Web"), secret: WEBHOOK_SECRET })).status).toBe(202);
    expect((await postDelivery(api.url, { event: "push", payload: pushOf("codertocat/anything"), secret: WEBHOOK_SECRET })).status).toBe(
      202,
    );
  });
});

describe("a repository's id and name stay bound (payloads are signed with a shared secret)", () => {
  it("a push claiming another repository's id under its own name is refused; the victim's record is untouched", async () => {
    const victim = await postDelivery(api.url, {
      event: "push",
      payload: { ...pushOf("Codertocat/victim"), repository: { ...pushOf("Codertocat/victim").repository, id: 880001 } },
      secret: WEBHOOK_SECRET,
    });
    expect(victim.status).toBe(202);
    const side = pushOf("Codertocat/victim");
    side.repository = { ...side.repository, id: 880001, full_name: "Codertocat/side", name: "side", owner: { login: "Codertocat" } };
    const attack = await postDelivery(api.url, { event: "push", payload: side, secret: WEBHOOK_SECRET });
    expect(attack.status).toBe(403);
    expect(attack.body.error.message).toBe(
      "repository id 880001 is known here as Codertocat/victim, not Codertocat/side: a rename is not accepted from a webhook payload alone (SLIPWAY_ACCEPT_RENAMES)",
    );
    expect((await api.db.repository.findUniqueOrThrow({ where: { githubId: 880001n } })).fullName).toBe("Codertocat/victim");
    expect(await api.db.build.count({ where: { sha: side.after } })).toBe(0);
  });

  it("a push claiming a known name under a new id is refused too", async () => {
    const known = await api.db.repository.findUniqueOrThrow({ where: { githubId: 880001n } });
    const reuse = pushOf("Codertocat/victim");
    reuse.repository = { ...reuse.repository, id: 880002, full_name: "codertocat/VICTIM", name: "VICTIM", owner: { login: "codertocat" } };
    const res = await postDelivery(api.url, { event: "push", payload: reuse, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(`repository codertocat/VICTIM is known here with id ${known.githubId}, not 880002`);
    expect(await api.db.repository.count({ where: { githubId: 880002n } })).toBe(0);
  });
});

describe("a replayed push", () => {
  it("under new delivery ids answers as a duplicate of the first build, even when the copies race", async () => {
    const p = pushOf("Codertocat/Hello-World");
    const first = await postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET });
    expect(first.status).toBe(202);
    const copies = await Promise.all(
      Array.from({ length: 8 }, () => postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET })),
    );
    for (const c of copies) {
      expect(c.status).toBe(202);
      expect(c.body).toMatchObject({ outcome: "ignored", buildId: first.body.buildId, duplicate: true });
      expect(c.body.reason).toContain("replay of a push already received");
    }
    expect(await api.db.build.count({ where: { sha: p.after } })).toBe(1);
    expect(await api.db.outboxMessage.count({ where: { payload: { path: ["buildId"], equals: first.body.buildId } } })).toBe(1);
    // Every copy is still on record.
    expect(await api.db.webhookDelivery.count({ where: { reason: { contains: first.body.buildId } } })).toBe(8);
  });

  it("racing from the start (no first copy stored yet) still makes exactly one build", async () => {
    const p = pushOf("Codertocat/Hello-World");
    const all = await Promise.all(
      Array.from({ length: 10 }, () => postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET })),
    );
    expect(all.every((r) => r.status === 202)).toBe(true);
    expect(all.filter((r) => !r.body.duplicate)).toHaveLength(1);
    expect(await api.db.build.count({ where: { sha: p.after } })).toBe(1);
  });

  it("a different before or ref is a different push", async () => {
    const p = pushOf("Codertocat/Hello-World");
    const a = await postDelivery(api.url, { event: "push", payload: p, secret: WEBHOOK_SECRET });
    const b = await postDelivery(api.url, { event: "push", payload: { ...p, before: sha() }, secret: WEBHOOK_SECRET });
    const c = await postDelivery(api.url, { event: "push", payload: { ...p, ref: "refs/heads/other" }, secret: WEBHOOK_SECRET });
    expect(new Set([a.body.buildId, b.body.buildId, c.body.buildId]).size).toBe(3);
  });
});

const post = (body: Buffer, signature: string) =>
  fetch(`${api.url}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signature,
    },
    body,
  });
const hmac = (b: Buffer | string) => `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(b).digest("hex")}`;

describe("the signature covers the raw bytes", () => {
  it("a body that is not valid UTF-8 verifies over its bytes, not over a decoded copy", async () => {
    const text = JSON.stringify(pushOf("Codertocat/Hello-World", { head_commit: { id: "x", message: "MARK" } }));
    const [head, tail] = text.split("MARK") as [string, string];
    const raw = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe]), Buffer.from(tail)]);
    const decodedAgain = Buffer.from(raw.toString("utf8"));
    expect(decodedAgain.equals(raw)).toBe(false);
    expect((await post(raw, hmac(decodedAgain))).status).toBe(401);
    expect((await post(raw, hmac(raw))).status).toBe(202);
  });
});

describe("large bodies are bounded", () => {
  it("past SLIPWAY_WEBHOOK_LARGE_BODIES at once, another large delivery gets 503 + Retry-After before its body is read; small ones pass", async () => {
    const { port } = new URL(api.url);
    // Hold one large upload open: headers and half the body, the rest later.
    const held = http.request({
      host: "127.0.0.1",
      port,
      path: "/webhooks/github",
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": 2 * 1024 * 1024,
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": hmac("x"),
      },
    });
    const heldDone = new Promise<number>((resolve) =>
      held.on("response", (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      }),
    );
    held.on("error", () => {});
    held.write(Buffer.alloc(1024 * 1024, 32));
    await new Promise((r) => setTimeout(r, 300));

    const big = Buffer.from(JSON.stringify({ ...pushOf("Codertocat/Hello-World"), padding: "x".repeat(1024 * 1024 + 10) }));
    const refused = await post(big, hmac(big));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("SLIPWAY_WEBHOOK_LARGE_BODIES");
    const small = Buffer.from(JSON.stringify(pushOf("Codertocat/Hello-World")));
    expect((await post(small, hmac(small))).status).toBe(202);

    held.end(Buffer.alloc(1024 * 1024, 32));
    expect(await heldDone).toBe(401);
    // The slot is free again.
    expect((await post(big, hmac(big))).status).toBe(202);
  });
});
