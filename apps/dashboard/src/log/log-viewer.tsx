import type { TBuildStep } from "@slipway/contracts";
import { useVirtualizer } from "@tanstack/react-virtual";
import { ChevronRight, CircleX } from "lucide-react";
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { isFailedStep } from "../build/step-kinds";
import { formatDuration } from "../ui/format";
import { AnsiText } from "./ansi-text";
import { searchLines, visibleRows, type LogGroup } from "./log-store";
import { LogToolbar } from "./log-toolbar";
import { useLogStream } from "./use-log-stream";

const LINE_PX = 20;
const HEADER_PX = 28;
const STEP_PREFIX = /^#\d+ /;

interface Props {
  buildId: string;
  attempt: number;
  /** the attempt can still print: follow new lines from the start */
  live: boolean;
  steps: TBuildStep[];
}

/**
 * The log of one attempt: virtualised rows of fixed height (only what is on screen is in the
 * DOM, and nothing moves as lines stream in), grouped per BuildKit step and collapsible, ANSI
 * colours, line numbers that link to `#L<n>`, search, and follow mode.
 */
export function LogViewer({ buildId, attempt, live, steps }: Props) {
  const { store, version, phase, notes } = useLogStream(buildId, attempt);
  const failedStep = useMemo(() => {
    const s = steps.find(isFailedStep);
    return s ? s.index + 1 : null;
  }, [steps]);
  const stepByNumber = useMemo(() => new Map(steps.map((s) => [s.index + 1, s])), [steps]);

  const [open, setOpen] = useState<Map<string, boolean>>(() => new Map());
  const [allOpen, setAllOpen] = useState<boolean | null>(null);
  const isOpen = useCallback(
    (g: LogGroup) => open.get(g.key) ?? allOpen ?? (failedStep === null || g.step === null || g.step === failedStep || g.state === "error"),
    [open, allOpen, failedStep],
  );
  // `version` is a dependency on purpose: it says the (mutable) store grew.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const rows = useMemo(() => visibleRows(store, isOpen), [store, version, isOpen]);

  const [follow, setFollow] = useState(live);
  const [term, setTerm] = useState("");
  const deferredTerm = useDeferredValue(term);
  // `version` again: the search runs over the lines that arrived since.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const matches = useMemo(() => searchLines(store, deferredTerm), [store, version, deferredTerm]);
  // The match shown is counted from the first again when the search changes.
  const [match, setMatch] = useState({ term: deferredTerm, at: 0 });
  const matchAt = match.term === deferredTerm ? match.at : 0;
  const setMatchAt = (at: number) => setMatch({ term: deferredTerm, at });

  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: (i) => ((rows[i] ?? 0) < 0 ? HEADER_PX : LINE_PX),
    overscan: 20,
  });

  const location = useLocation();
  const navigate = useNavigate();
  const selected = /^#L(\d+)$/.exec(location.hash)?.[1];
  const selectedIdx = selected ? store.indexOf(Number(selected)) : -1;

  /** Opens the line's group and scrolls it into the middle of the view. */
  const reveal = useCallback(
    (idx: number) => {
      const g = store.groupOf(idx);
      if (g && !isOpen(g)) {
        setOpen((m) => new Map(m).set(g.key, true));
        return false; // rows change; the caller's effect runs again
      }
      const row = rows.indexOf(idx);
      if (row >= 0) virtualizer.scrollToIndex(row, { align: "center" });
      return row >= 0;
    },
    [store, isOpen, rows, virtualizer],
  );

  // A #L<n> link: scroll there once the line has arrived (it may still be streaming in).
  const revealedRef = useRef<string | null>(null);
  useEffect(() => {
    if (!selected || revealedRef.current === selected || selectedIdx < 0) return;
    setFollow(false);
    if (reveal(selectedIdx)) revealedRef.current = selected;
  }, [selected, selectedIdx, reveal]);

  // Follow: keep the last row in view as lines arrive.
  useEffect(() => {
    if (follow && rows.length) virtualizer.scrollToIndex(rows.length - 1, { align: "end" });
  }, [follow, rows.length, virtualizer]);

  const onScroll = () => {
    const el = parentRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (follow && !atBottom) setFollow(false);
  };

  const pendingMatchRef = useRef<number | null>(null);
  const goToMatch = (dir: 1 | -1) => {
    if (!matches.length) return;
    const next = (matchAt + dir + matches.length) % matches.length;
    setMatchAt(next);
    setFollow(false);
    pendingMatchRef.current = matches[next]!;
    if (reveal(matches[next]!)) pendingMatchRef.current = null;
  };
  useEffect(() => {
    if (pendingMatchRef.current !== null && reveal(pendingMatchRef.current)) pendingMatchRef.current = null;
  }, [rows, reveal]);
  const currentMatch = matches.length ? matches[Math.min(matchAt, matches.length - 1)] : undefined;

  const expandAll = (value: boolean) => {
    setOpen(new Map());
    setAllOpen(value);
  };
  const toggle = (g: LogGroup) => setOpen((m) => new Map(m).set(g.key, !isOpen(g)));

  return (
    <section
      className="overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950"
      aria-label="Build log"
    >
      <LogToolbar
        term={term}
        onTerm={setTerm}
        matchCount={matches.length}
        matchAt={matchAt}
        onMatch={goToMatch}
        onExpandAll={expandAll}
        follow={follow}
        onFollow={() => setFollow(true)}
        downloadHref={`/api/v1/builds/${encodeURIComponent(buildId)}/logs?attempt=${attempt}`}
        phase={phase}
        lineCount={store.text.length}
      />
      {notes.map((n, i) => (
        <p
          // notes are only ever appended: an index is a stable key
          // eslint-disable-next-line @eslint-react/no-array-index-key
          key={i}
          role="status"
          className="border-b border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-800 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-200"
        >
          {n}
        </p>
      ))}
      <div
        ref={parentRef}
        onScroll={onScroll}
        className="log-view h-[65vh] min-h-72 overflow-auto font-mono text-xs leading-5"
        data-testid="log-scroll"
      >
        {rows.length === 0 && (
          <p className="p-4 text-zinc-500">{phase === "ended" ? "This attempt has no log." : "Waiting for the log…"}</p>
        )}
        <div className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => {
            const r = rows[v.index]!;
            const style = { transform: `translateY(${v.start}px)`, height: v.size };
            if (r < 0) {
              const g = store.groups[-1 - r]!;
              const step = g.step !== null ? stepByNumber.get(g.step) : undefined;
              const failed = g.state === "error" || (failedStep !== null && g.step === failedStep);
              return (
                <button
                  key={v.key}
                  type="button"
                  onClick={() => toggle(g)}
                  style={style}
                  aria-expanded={isOpen(g)}
                  data-group={g.key}
                  className={`absolute left-0 top-0 flex w-full min-w-0 items-center gap-2 border-t border-zinc-100 px-2 text-left font-sans text-xs hover:bg-zinc-50 dark:border-zinc-900 dark:hover:bg-zinc-900 ${failed ? "bg-rose-50 text-rose-800 dark:bg-rose-950/40 dark:text-rose-200" : ""}`}
                >
                  <ChevronRight
                    aria-hidden
                    className={`size-3.5 shrink-0 text-zinc-400 transition-transform ${isOpen(g) ? "rotate-90" : ""}`}
                  />
                  {failed && <CircleX aria-hidden className="size-3.5 shrink-0 text-rose-600" />}
                  <span className="truncate font-medium">{g.title}</span>
                  <span className="ml-auto flex shrink-0 items-center gap-2 text-zinc-500">
                    {g.state === "cached" && (
                      <span className="rounded bg-emerald-100 px-1.5 text-[10px] font-semibold uppercase text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-300">
                        cached
                      </span>
                    )}
                    {step?.durationMs != null && !step.cached && <span className="tabular-nums">{formatDuration(step.durationMs)}</span>}
                    <span className="tabular-nums">{g.lines.length}</span>
                  </span>
                </button>
              );
            }
            const n = store.numbers[r]!;
            const text = store.text[r]!;
            const isSel = r === selectedIdx;
            const isMatch = r === currentMatch;
            return (
              <div
                key={v.key}
                style={style}
                data-line={n}
                className={`absolute left-0 top-0 flex w-max min-w-full ${isSel ? "bg-amber-100 dark:bg-amber-500/20" : isMatch ? "bg-indigo-100 dark:bg-indigo-500/20" : "hover:bg-zinc-50 dark:hover:bg-zinc-900"}`}
              >
                <a
                  href={`#L${n}`}
                  onClick={(e) => {
                    e.preventDefault();
                    revealedRef.current = String(n);
                    void navigate({ hash: `L${n}` }, { replace: true, preventScrollReset: true });
                  }}
                  className={`sticky left-0 w-14 shrink-0 select-none pr-3 ${isSel ? "bg-amber-100 dark:bg-amber-900" : isMatch ? "bg-indigo-100 dark:bg-indigo-900" : "bg-white dark:bg-zinc-950"} text-right tabular-nums text-zinc-400 hover:text-indigo-600 hover:underline`}
                >
                  {n}
                </a>
                <span className="whitespace-pre pr-6 text-zinc-800 dark:text-zinc-200">
                  <AnsiText text={text.replace(STEP_PREFIX, "")} term={deferredTerm} />
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
