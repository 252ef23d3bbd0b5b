// What must hold after a fault and the farm's recovery, counted so RELIABILITY.md can print
// the numbers: every acknowledged delivery built exactly once, every succeeded build published
// exactly once per tag, nothing left queued, running or pending.
import type { Db } from "@slipway/db";
import { writeReliabilityRecord } from "@slipway/testing";

export interface FaultCounts {
  /** deliveries answered 2xx: each must have exactly one build, run exactly once */
  acknowledged: number;
  /** acknowledged deliveries with no build row */
  lost: number;
  /** builds whose attempt ran more than once (a try more than the fault explains) */
  duplicated: number;
  /** builds or publishes left queued, running or pending */
  stuck: number;
  /** publish rows not pushed (failed) for a succeeded build, or a tag pushed twice */
  publishProblems: number;
  /** processes a farm process started (buildx, git) still running once every build ended; undefined: not measured */
  leaked?: number;
  /** answers 5xx other than the documented 503 back-pressure */
  fiveXX: number;
}

/**
 * Counts the invariants over `buildIds` (the builds the acknowledged deliveries queued).
 * `allowedTries`: tries an attempt may take (2 for a build whose worker was killed: the try
 * that died and the one that finished it).
 */
export async function checkInvariants(
  db: Db,
  buildIds: string[],
  opts: { acknowledged: number; fiveXX: number; allowedTries?: (buildId: string) => number },
): Promise<FaultCounts> {
  const builds = await db.build.findMany({ where: { id: { in: buildIds } }, include: { attempts: true, publishes: true } });
  const stuckPublishes = await db.publish.count({ where: { buildId: { in: buildIds }, status: "pending" } });
  let duplicated = 0;
  let publishProblems = 0;
  for (const b of builds) {
    const tries = b.attempts.reduce((n, a) => n + a.tries, 0);
    if (b.attempts.length !== 1 || tries > (opts.allowedTries?.(b.id) ?? 1)) duplicated++;
    if (b.status === "succeeded") {
      const tags = b.publishes.map((p) => `${p.target}:${p.tag}`);
      if (new Set(tags).size !== tags.length) publishProblems++;
      publishProblems += b.publishes.filter((p) => p.status === "failed").length;
    }
  }
  return {
    acknowledged: opts.acknowledged,
    lost: buildIds.length - builds.length + (opts.acknowledged - buildIds.length),
    duplicated,
    stuck: builds.filter((b) => b.status === "queued" || b.status === "running").length + stuckPublishes,
    publishProblems,
    fiveXX: opts.fiveXX,
  };
}

/** Writes one fault's result for RELIABILITY.md (fault-<name>.json among the reliability records). */
export function recordFault(name: string, fault: string, cases: number, counts: FaultCounts, notes: string[] = []): void {
  writeReliabilityRecord(`fault-${name}`, { suite: "faults", fault, cases, counts, notes, at: new Date().toISOString() });
}

/** Every succeeded build among `buildIds` has its publish rows, none pending (the publisher writes them as it goes). */
export async function publishesSettled(db: Db, buildIds: string[]): Promise<boolean> {
  const builds = await db.build.findMany({ where: { id: { in: buildIds }, status: "succeeded" }, include: { publishes: true } });
  return builds.every((b) => b.publishes.length > 0 && b.publishes.every((p) => p.status !== "pending"));
}
