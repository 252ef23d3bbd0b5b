import type { TBuildStep } from "@slipway/contracts";

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
