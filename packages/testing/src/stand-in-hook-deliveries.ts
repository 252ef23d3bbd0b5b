import { randomUUID } from "node:crypto";
import { postDelivery } from "./github-delivery";

/** One attempt as GitHub lists it (GET /app/hook/deliveries, "hook-delivery-item"). */
export interface StandInHookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  throttled_at: null;
}

export interface HookDeliverySeed {
  /** X-GitHub-Delivery @defaultValue a new UUID */
  guid?: string;
  event?: string;
  action?: string | null;
  /** the answer the farm gave; 0: none (timeout, refused) */
  statusCode: number;
  deliveredAt?: Date;
  redelivery?: boolean;
  /** the body GitHub sends again on redelivery */
  payload?: unknown;
  installationId?: number | null;
  repositoryId?: number | null;
}

/** GitHub's own error, raised to the stand-in's router. */
export type StandInHttpError = (status: number, message: string) => Error;

const MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 30;
const statusText = (code: number) => (code === 0 ? "timed out" : code >= 200 && code < 300 ? "OK" : `Invalid HTTP Response: ${code}`);

/**
 * The App webhook's deliveries, for GithubStandIn: listed newest first with GitHub's cursor
 * pagination (`per_page` up to 100, `cursor`, a `Link: <…>; rel="next"` header, `status`
 * success = 200-399 / failure = 400-599) and redelivered on request: 202, then the attempt is
 * made and listed as a new item with the same guid and `redelivery: true`. With a `target`,
 * the attempt really POSTs the payload there, signed with the target's secret, and lists the
 * status it got; without one it lists `redeliveryStatusCode`.
 */
export class StandInHookDeliveries {
  readonly items: StandInHookDelivery[] = [];
  /** ids of the deliveries redelivery was asked for, in order */
  readonly redeliveryRequests: number[] = [];
  /** where redeliveries are POSTed (the farm's base URL; /webhooks/github is added) */
  target: { url: string; secret: string } | undefined;
  /** the status a redelivery lists when there is no target @defaultValue 200 */
  redeliveryStatusCode = 200;
  private readonly payloads = new Map<string, unknown>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errors: string[] = [];
  private nextId = 12_000_000_000;

  constructor(
    private readonly baseUrl: string,
    private readonly httpError: StandInHttpError,
  ) {}

  add(seed: HookDeliverySeed): StandInHookDelivery {
    const guid = seed.guid ?? randomUUID();
    if (seed.payload !== undefined) this.payloads.set(guid, seed.payload);
    const item: StandInHookDelivery = {
      id: this.nextId++,
      guid,
      delivered_at: (seed.deliveredAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      redelivery: seed.redelivery ?? false,
      duration: 0.12,
      status: statusText(seed.statusCode),
      status_code: seed.statusCode,
      event: seed.event ?? "push",
      action: seed.action ?? null,
      installation_id: seed.installationId ?? null,
      repository_id: seed.repositoryId ?? null,
      throttled_at: null,
    };
    this.items.push(item);
    return item;
  }

  /** Resolves when every redelivery asked for so far has been attempted and listed. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
    if (this.errors.length) throw new Error(`redeliveries failed in the stand-in: ${this.errors.join("; ")}`);
  }

  list(query: URLSearchParams): [number, unknown, Record<string, string>] {
    const perPage = Math.min(Number(query.get("per_page") ?? DEFAULT_PER_PAGE), MAX_PER_PAGE);
    if (!Number.isInteger(perPage) || perPage < 1) throw this.httpError(422, "Validation Failed");
    const status = query.get("status");
    if (status !== null && status !== "success" && status !== "failure") throw this.httpError(422, "Validation Failed");
    let rows = [...this.items].sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || b.id - a.id);
    if (status === "success") rows = rows.filter((r) => r.status_code >= 200 && r.status_code < 400);
    if (status === "failure") rows = rows.filter((r) => r.status_code >= 400 && r.status_code < 600);
    const cursor = query.get("cursor");
    if (cursor !== null) {
      const after = rows.findIndex((r) => `v1_${r.id}` === cursor);
      if (after < 0) throw this.httpError(422, "Validation Failed");
      rows = rows.slice(after + 1);
    }
    const page = rows.slice(0, perPage);
    const headers: Record<string, string> = {};
    if (rows.length > perPage) {
      const next = new URLSearchParams({ per_page: String(perPage), cursor: `v1_${page[page.length - 1]!.id}` });
      if (status) next.set("status", status);
      headers.link = `<${this.baseUrl}/app/hook/deliveries?${next}>; rel="next"`;
    }
    return [200, page, headers];
  }

  redeliver(id: number): [number, unknown] {
    const original = this.items.find((i) => i.id === id);
    if (!original) throw this.httpError(404, "Not Found");
    this.redeliveryRequests.push(id);
    // GitHub answers at once and delivers afterwards.
    const attempt = this.attempt(original)
      .catch((err: Error) => void this.errors.push(err.message))
      .finally(() => this.inFlight.delete(attempt));
    this.inFlight.add(attempt);
    return [202, {}];
  }

  private async attempt(original: StandInHookDelivery): Promise<void> {
    let statusCode = this.redeliveryStatusCode;
    if (this.target) {
      const payload = this.payloads.get(original.guid);
      if (payload === undefined) throw new Error(`no payload seeded for delivery ${original.guid}`);
      statusCode = await postDelivery(this.target.url, {
        event: original.event,
        payload,
        secret: this.target.secret,
        deliveryId: original.guid,
      }).then(
        (r) => r.status,
        () => 0,
      );
    }
    this.add({
      guid: original.guid,
      event: original.event,
      action: original.action,
      statusCode,
      redelivery: true,
      installationId: original.installation_id,
      repositoryId: original.repository_id,
    });
  }
}
