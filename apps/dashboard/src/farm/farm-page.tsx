import type { TBuild } from "@slipway/contracts";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { useBuildList } from "../api/queries";
import { Card } from "../ui/card";
import { ErrorNote } from "../ui/error-note";
import { buildDurationMs, formatAgo, formatDuration, queueWaitMs } from "../ui/format";
import { RefLabel } from "../ui/ref-label";
import { StatusBadge } from "../ui/status-badge";
import { useNow } from "../ui/use-now";
import { QueuesCard, WorkersCard } from "./farm-state-cards";

/** The farm: queues, worker hosts and what each runs, running and waiting builds, recent failures. */
export function FarmPage() {
  const running = useBuildList({ status: "running" }, 100);
  const queued = useBuildList({ status: "queued" }, 100);
  const failed = useBuildList({ status: "failed" }, 10);
  const now = useNow(1000);
  const hosts = groupByHost(running.data?.builds ?? []);
  const count = (list: typeof running) => (list.data ? `${list.data.builds.length}${list.data.nextCursor ? "+" : ""}` : "…");
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Farm</h1>
      <div className="grid grid-cols-3 gap-3">
        <Stat label="Running" value={count(running)} testId="running-count" />
        <Stat label="Queued" value={count(queued)} testId="queued-count" />
        <Stat label="Hosts building" value={running.data ? String(hosts.length) : "…"} />
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Running now" testId="running">
          {running.error ? (
            <div className="p-3">
              <ErrorNote error={running.error} what="running builds" />
            </div>
          ) : (
            <BuildLines
              builds={running.data?.builds ?? []}
              empty="Nothing is building."
              detail={(b) => (
                <>
                  {b.workerId ?? "?"}
                  {b.host ? ` on ${b.host}` : ""} · {formatDuration(buildDurationMs(b, now))}
                </>
              )}
            />
          )}
        </Card>
        <Card title="Waiting in the queue" testId="queued">
          {queued.error ? (
            <div className="p-3">
              <ErrorNote error={queued.error} what="queued builds" />
            </div>
          ) : (
            <BuildLines
              builds={queued.data?.builds ?? []}
              empty="The queue is empty."
              detail={(b) => <>waiting {formatDuration(queueWaitMs(b, now))}</>}
            />
          )}
        </Card>
        <Card title="Recent failures" testId="failures">
          {failed.error ? (
            <div className="p-3">
              <ErrorNote error={failed.error} what="failed builds" />
            </div>
          ) : (
            <BuildLines
              builds={failed.data?.builds ?? []}
              empty="No failed builds."
              detail={(b) => (
                <span className="text-rose-700 dark:text-rose-300">
                  {b.error?.message ?? "failed"} · {formatAgo(b.finishedAt, now)}
                </span>
              )}
            />
          )}
        </Card>
        <QueuesCard />
        <WorkersCard now={now} />
      </div>
    </div>
  );
}

function groupByHost(builds: TBuild[]): [string, number][] {
  const m = new Map<string, number>();
  for (const b of builds) {
    const host = b.host ?? "unknown host";
    m.set(host, (m.get(host) ?? 0) + 1);
  }
  return [...m].sort((a, b) => a[0].localeCompare(b[0]));
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white px-4 py-3 dark:border-zinc-800 dark:bg-zinc-950">
      <div className="text-xs text-zinc-500">{label}</div>
      <div className="text-2xl font-semibold tabular-nums" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

function BuildLines({ builds, empty, detail }: { builds: TBuild[]; empty: string; detail: (b: TBuild) => ReactNode }) {
  if (!builds.length) return <p className="px-4 py-6 text-center text-sm text-zinc-500">{empty}</p>;
  return (
    <ul className="divide-y divide-zinc-100 dark:divide-zinc-900">
      {builds.map((b) => (
        <li key={b.id} data-build-id={b.id}>
          <Link to={`/builds/${b.id}`} className="flex items-center gap-3 px-4 py-2 text-sm hover:bg-zinc-50 dark:hover:bg-zinc-900/60">
            <StatusBadge status={b.status} iconOnly />
            <div className="min-w-0 flex-1">
              <div className="flex min-w-0 items-center gap-2">
                <span className="truncate font-medium">{b.repository}</span>
                <RefLabel build={b} />
              </div>
              <div className="truncate text-xs text-zinc-500">{detail(b)}</div>
            </div>
          </Link>
        </li>
      ))}
    </ul>
  );
}
