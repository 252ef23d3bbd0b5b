import type { TBuildStep } from "./api";
import type { TFarmEvent } from "./farm-events";

/**
 * A build.step event as a step row, for an attempt whose steps are not stored yet (the worker
 * stores them as the attempt ends). Events carry when the step ended and how long it took; the
 * vertex digest is not in them.
 */
export function stepOfEvent(e: Extract<TFarmEvent, { type: "build.step" }>): TBuildStep {
  const end = new Date(e.at).getTime();
  return {
    index: e.index,
    name: e.name,
    vertexDigest: "",
    cached: e.cached,
    error: e.error,
    durationMs: e.durationMs,
    startedAt: new Date(end - (e.durationMs ?? 0)).toISOString(),
    completedAt: e.at,
    // Explained once the build ends (the comparison needs the whole build).
    rebuildReason: null,
  };
}
