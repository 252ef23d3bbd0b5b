import { parseStepName } from "@slipway/contracts";
import type { RawVertex } from "./rawjson-parser";

/** One BuildKit vertex as Slipway records it. */
export interface StepRecord {
  index: number;
  vertexDigest: string;
  name: string;
  startedAt: Date | null;
  completedAt: Date | null;
  cached: boolean;
  error: string | null;
  /** why it ran instead of coming from the cache (set after the build: explainRebuilds) */
  rebuildReason?: string | null;
}

/** `[stage 2/3] RUN ...`: a Dockerfile instruction (not BuildKit's own bookkeeping). */
function instructionOf(name: string): string | null {
  return parseStepName(name)?.op ?? null;
}

/**
 * Merges vertex updates (BuildKit sends a vertex many times as it progresses) into one record
 * per digest, in order of first appearance.
 */
export class StepTracker {
  private readonly steps = new Map<string, StepRecord>();

  update(v: RawVertex): StepRecord {
    let s = this.steps.get(v.digest);
    if (!s) {
      s = {
        index: this.steps.size,
        vertexDigest: v.digest,
        name: v.name ?? v.digest,
        startedAt: null,
        completedAt: null,
        cached: false,
        error: null,
      };
      this.steps.set(v.digest, s);
    }
    if (v.name) s.name = v.name;
    // A vertex can restart (started again after a cache miss): keep the first start.
    if (v.started && !s.startedAt) s.startedAt = new Date(v.started);
    if (v.completed) s.completedAt = new Date(v.completed);
    if (v.cached) s.cached = true;
    if (v.error) s.error = v.error;
    return s;
  }

  get(digest: string): StepRecord | undefined {
    return this.steps.get(digest);
  }

  all(): StepRecord[] {
    return [...this.steps.values()];
  }

  /**
   * Cache statistics over the Dockerfile's build steps (RUN, COPY, ADD, ...). FROM lines are
   * base-image resolution, which BuildKit never marks cached when the base comes from a
   * registry, and `[internal]`/export/push vertices are bookkeeping: neither counts.
   */
  counts(): { cached: number; total: number } {
    const steps = this.all().filter((s) => {
      const instr = instructionOf(s.name);
      return instr !== null && instr !== "FROM";
    });
    return { cached: steps.filter((s) => s.cached).length, total: steps.length };
  }

  /** The step that failed, if any (a build step with an error; bookkeeping errors such as a missing cache are not failures). */
  failedStep(): StepRecord | undefined {
    return this.all().find((s) => s.error && instructionOf(s.name) !== null);
  }
}
