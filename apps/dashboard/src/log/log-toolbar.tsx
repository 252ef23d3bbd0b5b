import { ArrowDownToLine, ChevronDown, ChevronUp, Download, Search } from "lucide-react";
import type { KeyboardEvent } from "react";

const btn =
  "inline-flex items-center gap-1 rounded-md px-2 py-1 text-xs font-medium text-zinc-600 hover:bg-zinc-100 disabled:opacity-40 dark:text-zinc-300 dark:hover:bg-zinc-800";

interface Props {
  term: string;
  onTerm: (t: string) => void;
  matchCount: number;
  matchAt: number;
  onMatch: (step: 1 | -1) => void;
  onExpandAll: (open: boolean) => void;
  follow: boolean;
  onFollow: () => void;
  downloadHref: string;
  phase: string;
  lineCount: number;
}

/** Search with match count and next/previous, expand/collapse all, follow, the raw log. */
export function LogToolbar(p: Props) {
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      p.onMatch(e.shiftKey ? -1 : 1);
    }
  };
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-zinc-200 px-2 py-2 dark:border-zinc-800">
      <div className="relative min-w-0 flex-1 sm:max-w-xs">
        <Search aria-hidden className="absolute left-2 top-2 size-3.5 text-zinc-400" />
        <input
          aria-label="Search the log"
          placeholder="Search log"
          value={p.term}
          onChange={(e) => p.onTerm(e.target.value)}
          onKeyDown={onKey}
          className="w-full rounded-md border border-zinc-300 bg-white py-1 pl-7 pr-2 text-sm outline-none focus:border-indigo-500 dark:border-zinc-700 dark:bg-zinc-950"
        />
      </div>
      {p.term && (
        <span className="text-xs tabular-nums text-zinc-500" data-testid="log-matches">
          {p.matchCount ? `${p.matchAt + 1} of ${p.matchCount}` : "no matches"}
        </span>
      )}
      <button type="button" className={btn} disabled={!p.matchCount} onClick={() => p.onMatch(-1)} aria-label="Previous match">
        <ChevronUp className="size-4" />
      </button>
      <button type="button" className={btn} disabled={!p.matchCount} onClick={() => p.onMatch(1)} aria-label="Next match">
        <ChevronDown className="size-4" />
      </button>
      <div className="ml-auto flex items-center gap-1">
        <span className="mr-1 text-xs tabular-nums text-zinc-500" data-testid="log-line-count">
          {p.lineCount.toLocaleString()} lines · {p.phase}
        </span>
        <button type="button" className={`${btn} hidden sm:inline-flex`} onClick={() => p.onExpandAll(true)}>
          Expand all
        </button>
        <button type="button" className={`${btn} hidden sm:inline-flex`} onClick={() => p.onExpandAll(false)}>
          Collapse all
        </button>
        <button
          type="button"
          className={`${btn} ${p.follow ? "bg-indigo-50 text-indigo-700 dark:bg-indigo-500/15 dark:text-indigo-300" : ""}`}
          onClick={p.onFollow}
          aria-pressed={p.follow}
          title="Jump to the end and follow new lines"
        >
          <ArrowDownToLine className="size-3.5" />
          Follow
        </button>
        <a className={btn} href={p.downloadHref} download title="The whole log as text">
          <Download className="size-3.5" />
          <span className="hidden sm:inline">Raw</span>
        </a>
      </div>
    </div>
  );
}
