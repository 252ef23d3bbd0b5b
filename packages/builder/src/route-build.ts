import type { Db } from "@slipway/db";
import { listHeartbeats, type HeartbeatRecord } from "@slipway/queue";
import type { Redis } from "ioredis";

export type Routing = "affine" | "fallback" | "any";

export type RouteDecision =
  /** build it here; `why` goes to the build log */
  | { kind: "take"; routing: Routing; why: string }
  /** give the job back for `delayMs`: a host that built the repository should take it */
  | { kind: "defer"; delayMs: number; why: string };

export interface RouteInput {
  repositoryId: string;
  repository: string;
  /** this worker's build host */
  host: string;
  /** when the build's job was queued (ms since the epoch, the producer's clock: hosts' clocks
   * are assumed in step, as BullMQ's delays and backoff assume too) */
  queuedAtMs: number;
  /** how long a build waits for a host that built its repository (SLIPWAY_ROUTE_WAIT_MS); 0: never */
  waitMs: number;
  /** a host that ran BuildKit for the repository this recently is affine (SLIPWAY_ROUTE_AFFINITY_HOURS) */
  affinityMs: number;
  now?: number;
}

/** A deferred job is looked at again this soon at most (a slot on an affine host may free). */
const RECHECK_MS = 500;

/**
 * Cache-aware routing, decided by the worker that BullMQ handed the job to (one queue for the
 * whole farm, so retries, stalls and the reconcilers stay as they are): a host that ran
 * BuildKit for the repository recently has its layers locally and builds fastest, so a worker
 * on another host gives the job back while such a host is up and either has a free slot or
 * the build has waited less than `waitMs`. Past the wait, any host takes it (the registry
 * cache keeps it warm enough). Free slots come from the workers' heartbeats, which beat at
 * each job's start and end.
 */
export async function decideRoute(deps: { db: Db; redis: Redis; prefix?: string }, i: RouteInput): Promise<RouteDecision> {
  const now = i.now ?? Date.now();
  const affine = await affineHosts(deps.db, i.repositoryId, new Date(now - i.affinityMs));
  if (affine.size === 0) return { kind: "take", routing: "any", why: `no host has built ${i.repository} recently` };
  const lastHere = affine.get(i.host);
  if (lastHere) return { kind: "take", routing: "affine", why: `host ${i.host} built ${i.repository} ${ago(now - lastHere.getTime())}` };
  const up = hostsUp(await listHeartbeats(deps.redis, deps.prefix ?? "slipway"));
  const live = [...affine.keys()].filter((h) => up.has(h));
  // Build logs say why without naming the farm's other hosts (the worker's own log does).
  if (live.length === 0) return { kind: "take", routing: "fallback", why: `the hosts that built ${i.repository} recently are not up` };
  if (i.waitMs <= 0) return { kind: "take", routing: "fallback", why: "routing waits for no host here (SLIPWAY_ROUTE_WAIT_MS=0)" };
  const waited = now - i.queuedAtMs;
  const free = live.filter((h) => (up.get(h) ?? 0) > 0);
  if (waited >= i.waitMs)
    return {
      kind: "take",
      routing: "fallback",
      why: free.length
        ? `queued ${ago(waited, "")}: a host that built ${i.repository} had a free slot but did not take it`
        : `queued ${ago(waited, "")}: the hosts that built ${i.repository} were busy`,
    };
  if (free.length) return { kind: "defer", delayMs: 0, why: `${free[0]} built ${i.repository} and has a free slot` };
  return { kind: "defer", delayMs: Math.min(RECHECK_MS, i.waitMs - waited), why: `${live.join(", ")} busy; waiting for a slot` };
}

/** Hosts that ran BuildKit for the repository since `since` (coalesced builds ran none), newest first. */
async function affineHosts(db: Db, repositoryId: string, since: Date): Promise<Map<string, Date>> {
  const rows = await db.build.groupBy({
    by: ["host"],
    where: { repositoryId, createdAt: { gte: since }, startedAt: { gte: since }, host: { not: null }, coalescedFromId: null },
    _max: { startedAt: true },
  });
  const out = new Map<string, Date>();
  for (const r of rows) if (r.host && r._max.startedAt) out.set(r.host, r._max.startedAt);
  return out;
}

/** Build hosts with at least one live worker that reports no problem -> their free slots. */
function hostsUp(beats: HeartbeatRecord[]): Map<string, number> {
  const up = new Map<string, number>();
  for (const w of beats) {
    if (w.role !== "build" || w.problem) continue;
    up.set(w.host, (up.get(w.host) ?? 0) + Math.max(0, w.concurrency - w.running.length));
  }
  return up;
}

function ago(ms: number, suffix = " ago"): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s${suffix}`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min${suffix}` : `${Math.round(m / 60)} h${suffix}`;
}
