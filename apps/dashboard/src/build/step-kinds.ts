import { parseStepName, type TBuildStep } from "@slipway/contracts";

/** Bookkeeping vertices BuildKit reports beside the Dockerfile's own steps. */
export const isInternalStep = (name: string) =>
  /^\[(internal|auth)\]|^(exporting|pushing|writing image|naming|importing cache|preparing build cache|resolve image config)/i.test(name);

/**
 * The step really failed. A missing cache ref is BuildKit reporting the first build of a
 * branch as an error of its cache-import vertex; the build goes on (the worker logs it as
 * "no cache there yet"), so it is not a failed step.
 */
export const isFailedStep = (s: Pick<TBuildStep, "name" | "error">) =>
  !!s.error && !(/^importing cache manifest/.test(s.name) && /not found/.test(s.error));

/**
 * Each Dockerfile step's place, as [stage, position]: stages in the order their first step
 * appears, steps by the k of BuildKit's "[stage k/n]" (BuildKit reports cached steps late, so
 * the order of appearance is not the Dockerfile's). Bookkeeping vertices have none.
 */
export function dockerfilePlaces(steps: readonly Pick<TBuildStep, "index" | "name">[]): Map<number, [number, number]> {
  const stages = new Map<string, number>();
  const places = new Map<number, [number, number]>();
  for (const s of [...steps].sort((a, b) => a.index - b.index)) {
    const p = parseStepName(s.name);
    if (!p) continue;
    if (!stages.has(p.stage)) stages.set(p.stage, stages.size);
    places.set(s.index, [stages.get(p.stage)!, p.k]);
  }
  return places;
}
