// Signed GitHub push deliveries, one new push per call: a fresh delivery id, `after` and
// `before` (so each one stores a new build, never a replay), signed with the webhook secret
// the way GitHub signs (X-Hub-Signature-256 over the exact body bytes).
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { branchPushExample } from "@slipway/testing";

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
  after: string;
}

export interface PushOptions {
  /** another repository than the example's Codertocat/Hello-World */
  repository?: { id: number; fullName: string };
  /** a branch other than the example's (its default branch, master) */
  branch?: string;
}

const AFTER = "a".repeat(40);
const BEFORE = "b".repeat(40);

/** Makes signed push deliveries; `sha` pins `after` (a real commit), else each gets a random one. */
export class SignedPushes {
  private readonly template: string;

  constructor(
    private readonly secret: string,
    opts: PushOptions = {},
  ) {
    // Serialised once with placeholder shas, so making a delivery is two replaces and an HMAC:
    // the load generator's own cost stays small next to the api's.
    const payload = branchPushExample(opts.repository);
    if (opts.branch) payload.ref = `refs/heads/${opts.branch}`;
    payload.after = AFTER;
    payload.before = BEFORE;
    payload.head_commit = { ...payload.head_commit, id: AFTER };
    this.template = JSON.stringify(payload);
  }

  next(sha?: string): SignedDelivery {
    const after = sha ?? randomBytes(20).toString("hex");
    const body = this.template.replaceAll(AFTER, after).replace(BEFORE, randomBytes(20).toString("hex"));
    return {
      body,
      after,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/slipway-bench",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-github-hook-id": "123456",
        "x-hub-signature-256": `sha256=${createHmac("sha256", this.secret).update(body).digest("hex")}`,
      },
    };
  }

  /** Posts one delivery; returns the status, the build id (202) and the time the answer came. */
  async post(apiUrl: string, sha?: string): Promise<{ status: number; buildId: string | null; sentAt: number; answeredAt: number }> {
    const d = this.next(sha);
    const sentAt = performance.now();
    const res = await fetch(`${apiUrl}/webhooks/github`, { method: "POST", headers: d.headers, body: d.body });
    const answeredAt = performance.now();
    const json = (await res.json().catch(() => ({}))) as { buildId?: string | null };
    return { status: res.status, buildId: json.buildId ?? null, sentAt, answeredAt };
  }
}
