import type { TBuild } from "@slipway/contracts";
import { buildDurationMs, formatDuration, queueWaitMs } from "../ui/format";

/** How routing chose the host (README, "Which host builds"): shown, and its longer tooltip. */
const ROUTING: Record<NonNullable<TBuild["routing"]>, [string, string]> = {
  affine: ["warm", "this host had built the repository recently"],
  fallback: ["fallback", "the hosts that had built the repository were busy past the routing wait, or down"],
  any: ["first", "no host had built the repository recently"],
};

function hostFact(build: TBuild): [string, string] {
  if (!build.host) return ["—", "not run yet"];
  const [shown, why] = build.routing ? ROUTING[build.routing] : ["", ""];
  return [shown ? `${build.host} · ${shown}` : build.host, `worker ${build.workerId ?? "?"} on ${build.host}${why ? `: ${why}` : ""}`];
}

/** Queue wait, duration, cache use, where it ran, what it made. */
export function BuildFacts({ build, now }: { build: TBuild; now: number }) {
  const [host, hostTitle] = hostFact(build);
  const facts: [string, string, string?, string?][] = [
    ["Queue wait", formatDuration(queueWaitMs(build, now))],
    ["Duration", formatDuration(buildDurationMs(build, now))],
    [
      "Cached steps",
      build.coalescedFrom
        ? `none run: image of build ${build.coalescedFrom}`
        : build.totalSteps
          ? `${build.cachedSteps ?? 0} of ${build.totalSteps}`
          : "—",
    ],
    ["Host", host, "host", hostTitle],
    ["Digest", build.digest ?? "—", "digest"],
    ["Image", !build.imageRef ? "—" : build.imageRemovedAt ? `removed ${build.imageRemovedAt.slice(0, 10)} (retention)` : build.imageRef],
  ];
  return (
    <dl className="grid grid-cols-2 gap-px overflow-hidden rounded-lg border border-zinc-200 bg-zinc-200 sm:grid-cols-3 xl:grid-cols-6 dark:border-zinc-800 dark:bg-zinc-800">
      {facts.map(([k, v, id, title]) => (
        <div key={k} className="min-w-0 bg-white px-3 py-2 dark:bg-zinc-950">
          <dt className="text-xs text-zinc-500">{k}</dt>
          <dd className="truncate font-mono text-sm tabular-nums" title={title ?? v} data-testid={id}>
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}
