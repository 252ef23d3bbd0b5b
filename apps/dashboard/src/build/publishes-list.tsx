import type { TPublish } from "@slipway/contracts";

const LOOK: Record<TPublish["status"], string> = {
  pushed: "bg-emerald-100 text-emerald-800 dark:bg-emerald-500/15 dark:text-emerald-300",
  pending: "bg-amber-100 text-amber-800 dark:bg-amber-500/15 dark:text-amber-300",
  failed: "bg-rose-100 text-rose-800 dark:bg-rose-500/15 dark:text-rose-300",
  superseded: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

/** Every target and tag the build was published to: pushed, pending, superseded or failed, and why. */
export function PublishesList({ publishes }: { publishes: TPublish[] }) {
  if (!publishes.length)
    return <p className="px-4 py-4 text-sm text-zinc-500">Nothing published (no publish targets in .slipway.yml, or not yet).</p>;
  return (
    <ul className="divide-y divide-zinc-100 dark:divide-zinc-900" data-testid="publishes">
      {publishes.map((p) => (
        <li key={`${p.target}:${p.tag}`} className="px-4 py-2 text-sm">
          <div className="flex min-w-0 items-center gap-2">
            <span className={`shrink-0 rounded px-1.5 py-0.5 text-[11px] font-semibold uppercase ${LOOK[p.status]}`}>{p.status}</span>
            <code className="truncate font-mono text-xs" title={`${p.target}:${p.tag}`}>
              {p.target}:<strong>{p.tag}</strong>
            </code>
          </div>
          {p.error && <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">{p.error}</p>}
        </li>
      ))}
    </ul>
  );
}
