import { NO_EARLIER_BUILD, type TBuildStep } from "@slipway/contracts";
import { useMemo, useState } from "react";
import { formatDuration } from "../ui/format";
import { dockerfilePlaces, isFailedStep, isInternalStep as isInternal } from "./step-kinds";

/**
 * Each BuildKit step as a bar on one time axis (from the first step's start to the last one's
 * end), with its duration, a cached badge, and the failed step in red. The Dockerfile's steps
 * come first in the order they started; bookkeeping steps follow, dimmed.
 */
export function StepTimeline({ steps, now, live }: { steps: TBuildStep[]; now: number; live: boolean }) {
  const [showInternal, setShowInternal] = useState(false);
  const { rows, internalCount, start, span } = useMemo(() => {
    const t = (s: string | null) => (s ? new Date(s).getTime() : null);
    const starts = steps.map((s) => t(s.startedAt)).filter((x): x is number => x !== null);
    const ends = steps.map((s) => t(s.completedAt) ?? (s.startedAt ? now : null)).filter((x): x is number => x !== null);
    const start = starts.length ? Math.min(...starts) : 0;
    // While the attempt runs the axis reaches now: the gap after the last bar is the running step.
    const end = Math.max(ends.length ? Math.max(...ends) : start, live ? now : 0);
    const byStart = (a: TBuildStep, b: TBuildStep) => (t(a.startedAt) ?? Infinity) - (t(b.startedAt) ?? Infinity) || a.index - b.index;
    // Dockerfile order for the Dockerfile's steps; the bars still show when each ran.
    const places = dockerfilePlaces(steps);
    const byPlace = (a: TBuildStep, b: TBuildStep) => {
      const pa = places.get(a.index);
      const pb = places.get(b.index);
      if (pa && pb) return pa[0] - pb[0] || pa[1] - pb[1];
      return pa ? -1 : pb ? 1 : byStart(a, b);
    };
    // Bookkeeping steps are shown on request, and always when one of them failed.
    const internal = steps.filter((s) => isInternal(s.name));
    const own = steps.filter((s) => !isInternal(s.name) || isFailedStep(s)).sort(byPlace);
    const ordered = showInternal ? [...own, ...internal.filter((s) => !own.includes(s))] : own;
    return { rows: ordered, internalCount: internal.filter((s) => !own.includes(s)).length, start, span: Math.max(end - start, 1) };
  }, [steps, now, live, showInternal]);

  if (!steps.length) {
    return (
      <p className="px-4 py-6 text-sm text-zinc-500">
        {live
          ? "Steps show here as they finish; the log below follows the running one."
          : "This attempt has no steps (it ended before BuildKit started)."}
      </p>
    );
  }
  // A first build: one line says so, not one per step.
  const nothingToCompare = steps.some((s) => s.rebuildReason?.startsWith(NO_EARLIER_BUILD));
  return (
    <>
      {nothingToCompare && (
        <p className="px-4 pt-2 text-[11px] text-zinc-500" data-testid="rebuild-first">
          Every step ran: {steps.find((s) => s.rebuildReason?.startsWith(NO_EARLIER_BUILD))!.rebuildReason}.
        </p>
      )}
      <ol className="divide-y divide-zinc-100 dark:divide-zinc-900" data-testid="steps" data-live={live ? "true" : undefined}>
        {rows.map((s, i) => {
          const from = s.startedAt ? new Date(s.startedAt).getTime() : null;
          const to = s.completedAt ? new Date(s.completedAt).getTime() : from !== null ? now : null;
          const left = from !== null ? ((from - start) / span) * 100 : 0;
          const width = from !== null && to !== null ? Math.max(((to - from) / span) * 100, 0.6) : 0;
          const failed = isFailedStep(s);
          const running = !!s.startedAt && !s.completedAt && !s.error;
          const bar = failed
            ? "bg-rose-500"
            : s.cached
              ? "bg-emerald-400/70 dark:bg-emerald-500/50"
              : running
                ? "bg-sky-500 animate-pulse"
                : "bg-indigo-500";
          const internal = isInternal(s.name);
          return (
            <li
              key={s.index}
              data-step={s.index + 1}
              data-failed={failed ? "true" : undefined}
              className={`grid grid-cols-[minmax(0,1fr)_4.5rem] items-center gap-x-3 gap-y-1 px-3 py-1.5 text-xs sm:grid-cols-[minmax(0,22rem)_minmax(0,1fr)_4.5rem] sm:px-4 ${internal ? "opacity-60" : ""} ${failed ? "bg-rose-50 dark:bg-rose-950/30" : ""}`}
            >
              <div className="flex min-w-0 items-center gap-2">
                <span className="w-6 shrink-0 text-right font-mono text-zinc-400">{i + 1}</span>
                <span className={`truncate font-mono ${failed ? "font-semibold text-rose-700 dark:text-rose-300" : ""}`} title={s.name}>
                  {s.name}
                </span>
                {s.cached && (
                  <span className="shrink-0 rounded bg-emerald-100 px-1.5 text-[10px] font-semibold uppercase text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-300">
                    cached
                  </span>
                )}
                {failed && (
                  <span className="shrink-0 rounded bg-rose-100 px-1.5 text-[10px] font-semibold uppercase text-rose-700 dark:bg-rose-500/20 dark:text-rose-300">
                    failed
                  </span>
                )}
              </div>
              <div
                className="relative col-span-2 row-start-2 h-2.5 rounded-full bg-zinc-100 sm:col-span-1 sm:row-start-auto dark:bg-zinc-800/70"
                aria-hidden
              >
                {from !== null && (
                  <div className={`absolute inset-y-0 rounded-full ${bar}`} style={{ left: `${left}%`, width: `${width}%` }} />
                )}
              </div>
              <span className="col-start-2 row-start-1 text-right tabular-nums text-zinc-500 sm:col-start-auto sm:row-start-auto">
                {s.cached ? "cached" : formatDuration(s.durationMs ?? (running && from !== null ? now - from : null))}
              </span>
              {s.rebuildReason && !failed && !s.rebuildReason.startsWith(NO_EARLIER_BUILD) && (
                <p className="col-span-2 text-[11px] text-amber-700 sm:col-span-3 dark:text-amber-300" data-testid="rebuild-reason">
                  ran because {s.rebuildReason}
                </p>
              )}
              {s.error && (
                <p
                  className={`col-span-2 font-mono text-[11px] sm:col-span-3 ${failed ? "text-rose-700 dark:text-rose-300" : "text-zinc-500"}`}
                >
                  {failed ? s.error : `no cache there yet (first build of this ref): ${s.error}`}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      {live && (
        <p
          className="flex items-center gap-2 border-t border-zinc-100 px-4 py-1.5 text-xs text-zinc-500 dark:border-zinc-900"
          data-testid="steps-running"
        >
          <span className="size-2 shrink-0 animate-pulse rounded-full bg-sky-500" aria-hidden />
          Running: the next step shows when it finishes; the log below follows it.
        </p>
      )}
      {internalCount > 0 && (
        <button
          type="button"
          onClick={() => setShowInternal((v) => !v)}
          className="w-full border-t border-zinc-100 px-4 py-1.5 text-left text-xs text-zinc-500 hover:bg-zinc-50 dark:border-zinc-900 dark:hover:bg-zinc-900"
        >
          {showInternal ? "Hide" : "Show"} {internalCount} BuildKit bookkeeping steps (context, metadata, auth, cache, export, push)
        </button>
      )}
    </>
  );
}
