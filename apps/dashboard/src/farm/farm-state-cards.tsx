import { Link } from "react-router";
import { useQueues, useWorkers } from "../api/queries";
import { Card } from "../ui/card";
import { ErrorNote } from "../ui/error-note";
import { formatAgo } from "../ui/format";

/** Jobs per queue and state (GET /api/v1/queues). */
export function QueuesCard() {
  const q = useQueues();
  return (
    <Card title="Queues" testId="queues">
      {q.error ? (
        <div className="p-3">
          <ErrorNote error={q.error} what="queues" />
        </div>
      ) : (
        <table className="w-full text-sm tabular-nums">
          <thead className="text-left text-xs text-zinc-500">
            <tr>
              <th className="px-4 py-2 font-medium">Queue</th>
              <th className="px-2 font-medium">Waiting</th>
              <th className="px-2 font-medium">Active</th>
              <th className="px-2 font-medium">Delayed</th>
              <th className="px-4 font-medium">Failed</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-900">
            {(q.data?.queues ?? []).map((r) => (
              <tr key={r.name} data-queue={r.name}>
                <td className="px-4 py-1.5 font-mono text-xs">{r.name}</td>
                <td className="px-2">{r.waiting}</td>
                <td className="px-2">{r.active}</td>
                <td className="px-2">{r.delayed}</td>
                <td className={`px-4 ${r.failed ? "text-rose-600 dark:text-rose-400" : ""}`}>{r.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

/** Build hosts and their worker processes, what each runs, last heartbeat (GET /api/v1/workers). */
export function WorkersCard({ now }: { now: number }) {
  const w = useWorkers();
  const hosts = w.data?.hosts ?? [];
  return (
    <Card title="Worker hosts" testId="workers">
      {w.error ? (
        <div className="p-3">
          <ErrorNote error={w.error} what="workers" />
        </div>
      ) : hosts.length === 0 ? (
        <p className="px-4 py-6 text-center text-sm text-zinc-500">{w.isPending ? "Loading…" : "No worker has sent a heartbeat lately."}</p>
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-900">
          {hosts.map((h) => (
            <li key={h.host} className="px-4 py-2 text-sm" data-host={h.host}>
              <div className="font-medium">{h.host}</div>
              <ul className="mt-1 space-y-0.5 text-xs text-zinc-600 dark:text-zinc-400">
                {h.workers.map((x) => (
                  <li key={x.id} className="flex flex-wrap gap-x-2">
                    <span className="font-mono">{x.id}</span>
                    <span>
                      {x.role} ×{x.concurrency}
                    </span>
                    <span>heartbeat {formatAgo(x.lastHeartbeatAt, now)}</span>
                    {x.running.map((r) => (
                      <Link key={r.buildId} to={`/builds/${r.buildId}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                        building {r.repository}
                      </Link>
                    ))}
                    {x.runningHidden > 0 && <span>+{x.runningHidden} not visible to this token</span>}
                    {x.problem && (
                      <span className="font-medium text-red-600 dark:text-red-400" data-testid="worker-problem">
                        takes no builds: {x.problem}
                      </span>
                    )}
                    {x.running.length + x.runningHidden === 0 && !x.problem && <span>idle</span>}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
