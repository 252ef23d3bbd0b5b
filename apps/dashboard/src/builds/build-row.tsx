import type { TBuild } from "@slipway/contracts";
import { Link } from "react-router";
import { buildDurationMs, firstLine, formatAgo, formatDuration, queueWaitMs, shortSha } from "../ui/format";
import { RefLabel } from "../ui/ref-label";
import { StatusBadge } from "../ui/status-badge";

const TRIGGER: Record<TBuild["trigger"], string> = { push: "push", retry: "retry", manual: "manual", pull_request: "pull request" };

/** Grid columns of the builds table (desktop); phones stack the same cells. */
export const BUILD_GRID = "lg:grid lg:grid-cols-[1.5rem_minmax(0,13rem)_minmax(0,1fr)_5.5rem_5.5rem_4.5rem_6rem] lg:items-center lg:gap-4";

/** One build in the list: everything the list shows, one link to the build page. */
export function BuildRow({ build, now }: { build: TBuild; now: number }) {
  const wait = queueWaitMs(build, now);
  const duration = buildDurationMs(build, now);
  return (
    <li data-build-id={build.id} data-status={build.status}>
      <Link to={`/builds/${build.id}`} className={`block px-3 py-3 hover:bg-zinc-50 sm:px-4 dark:hover:bg-zinc-900/60 ${BUILD_GRID}`}>
        <div className="flex items-center gap-2 lg:block">
          <StatusBadge status={build.status} iconOnly />
          <span className="truncate text-sm font-medium lg:hidden">{build.repository}</span>
          <span className="ml-auto text-xs text-zinc-500 lg:hidden">{formatAgo(build.queuedAt, now)}</span>
        </div>
        <div className="mt-1 min-w-0 text-sm lg:mt-0">
          <div className="hidden truncate font-medium lg:block" title={build.repository}>
            {build.repository}
          </div>
          <RefLabel build={build} />
        </div>
        <div className="mt-1 min-w-0 text-sm lg:mt-0">
          <div className="flex min-w-0 items-baseline gap-2">
            <code className="shrink-0 font-mono text-xs text-indigo-700 dark:text-indigo-300">{shortSha(build.sha)}</code>
            <span className="truncate text-zinc-800 dark:text-zinc-200" title={build.commitMessage ?? ""}>
              {firstLine(build.commitMessage) || <em className="text-zinc-400">no message</em>}
            </span>
          </div>
          <div className="truncate text-xs text-zinc-500">
            {build.pusher ?? "unknown"} · {TRIGGER[build.trigger]}
            {build.attempt > 1 ? ` · attempt ${build.attempt}` : ""}
          </div>
        </div>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-0.5 text-xs text-zinc-600 tabular-nums lg:contents dark:text-zinc-400">
          <span title="queue wait">
            <span className="lg:hidden">waited </span>
            {formatDuration(wait)}
          </span>
          <span title="duration">
            <span className="lg:hidden">took </span>
            {formatDuration(duration)}
          </span>
          <span title="cached steps / steps">
            {build.totalSteps ? `${build.cachedSteps ?? 0}/${build.totalSteps}` : "—"}
            <span className="lg:hidden"> cached</span>
          </span>
          <span className="hidden text-right lg:block">{formatAgo(build.queuedAt, now)}</span>
        </div>
      </Link>
    </li>
  );
}
