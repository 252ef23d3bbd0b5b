import { ZBuildStatus } from "@slipway/contracts";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useBuildPages, type BuildFilters } from "../api/queries";
import { ErrorNote } from "../ui/error-note";
import { useNow } from "../ui/use-now";
import { BuildFiltersBar } from "./build-filters";
import { BUILD_GRID, BuildRow } from "./build-row";
import { RunBuildButton, RunBuildForm } from "./run-build";

/** Filters live in the URL (?repo=&branch=&status=), so a filtered list can be linked. */
function useFilters(): [BuildFilters, (f: BuildFilters) => void] {
  const [params, setParams] = useSearchParams();
  const status = ZBuildStatus.safeParse(params.get("status")).data;
  const filters: BuildFilters = { repo: params.get("repo") ?? undefined, branch: params.get("branch") ?? undefined, status };
  const set = (f: BuildFilters) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v) next.set(k, v);
    setParams(next);
  };
  return [filters, set];
}

/** Every build the token may see, newest first, live; "Load more" follows the API's cursor. */
export function BuildsPage() {
  const [filters, setFilters] = useFilters();
  const pages = useBuildPages(filters);
  const [running, setRunning] = useState(false);
  const now = useNow(1000);
  const builds = pages.data?.pages.flatMap((p) => p.builds) ?? [];
  return (
    <div className="space-y-4">
      <div className="flex flex-col gap-3 lg:flex-row lg:items-center lg:justify-between">
        <div className="flex items-center justify-between gap-3">
          <h1 className="text-xl font-semibold">Builds</h1>
          <RunBuildButton open={running} onToggle={() => setRunning((v) => !v)} />
        </div>
        <BuildFiltersBar value={filters} onChange={setFilters} />
      </div>
      {running && <RunBuildForm repository={filters.repo} onClose={() => setRunning(false)} />}
      {pages.error && <ErrorNote error={pages.error} what="builds" />}
      <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950">
        <div
          className={`hidden border-b border-zinc-200 bg-zinc-50 px-4 py-2 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:border-zinc-800 dark:bg-zinc-900 ${BUILD_GRID}`}
        >
          <span />
          <span>Repository · ref</span>
          <span>Commit</span>
          <span>Queue wait</span>
          <span>Duration</span>
          <span>Cached</span>
          <span className="text-right">Queued</span>
        </div>
        {pages.isPending ? (
          <p className="px-4 py-10 text-center text-sm text-zinc-500">Loading builds…</p>
        ) : builds.length === 0 ? (
          <p className="px-4 py-10 text-center text-sm text-zinc-500" data-testid="no-builds">
            No builds{filters.repo || filters.branch || filters.status ? " match these filters" : " yet: push to a connected repository"}.
          </p>
        ) : (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" data-testid="builds">
            {builds.map((b) => (
              <BuildRow key={b.id} build={b} now={now} />
            ))}
          </ul>
        )}
      </div>
      {pages.hasNextPage && (
        <div className="flex justify-center">
          <button
            type="button"
            onClick={() => void pages.fetchNextPage()}
            disabled={pages.isFetchingNextPage}
            className="rounded-md border border-zinc-300 px-4 py-1.5 text-sm font-medium hover:bg-zinc-50 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-900"
          >
            {pages.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </div>
  );
}
