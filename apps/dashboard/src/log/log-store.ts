/** A group of log lines: one BuildKit step (`#N ...` lines), or a run of Slipway's and buildx's own lines. */
export interface LogGroup {
  key: string;
  /** BuildKit's vertex number (`#N`), null for other lines */
  step: number | null;
  /** the group's first line, without its `#N ` prefix */
  title: string;
  /** indexes into LogStore.text, in order */
  lines: number[];
  /** last BuildKit status seen for the step: DONE 1.2s, CACHED, ERROR */
  state: "running" | "done" | "cached" | "error" | null;
}

const STEP_LINE = /^#(\d+) (.*)$/;

/**
 * The lines of one attempt's log as they arrive (from the live stream), grouped per BuildKit
 * step the way `docker buildx --progress=plain` numbers them (`#3 [2/2] RUN ...`, `#3 ...`,
 * `#3 DONE 1.2s`; a step's lines stay together even when steps run in parallel). Appending is
 * O(1); nothing here renders, so a 100,000-line log costs two arrays and a few groups.
 */
export class LogStore {
  /** line text, in arrival order */
  readonly text: string[] = [];
  /** the log's own line numbers (1-based; a gap in the stream leaves a jump) */
  readonly numbers: number[] = [];
  readonly groups: LogGroup[] = [];
  private readonly byStep = new Map<number, LogGroup>();

  append(n: number, line: string): void {
    const i = this.text.length;
    this.text.push(line);
    this.numbers.push(n);
    const m = STEP_LINE.exec(line);
    if (m) {
      const step = Number(m[1]);
      const rest = m[2]!;
      let g = this.byStep.get(step);
      if (!g) {
        g = { key: `s${step}`, step, title: rest, lines: [], state: "running" };
        this.byStep.set(step, g);
        this.groups.push(g);
      }
      g.lines.push(i);
      if (/^DONE \d/.test(rest)) g.state = "done";
      else if (rest === "CACHED") g.state = "cached";
      else if (rest.startsWith("ERROR")) g.state = "error";
      return;
    }
    const last = this.groups.at(-1);
    if (last && last.step === null) {
      last.lines.push(i);
      return;
    }
    this.groups.push({ key: `o${i}`, step: null, title: line, lines: [i], state: null });
  }

  /** Index of line number `n`, or -1 (numbers only grow, so a binary search). */
  indexOf(n: number): number {
    let lo = 0;
    let hi = this.numbers.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.numbers[mid]!;
      if (v === n) return mid;
      if (v < n) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The group holding line index `i`. */
  groupOf(i: number): LogGroup | undefined {
    const m = STEP_LINE.exec(this.text[i] ?? "");
    if (m) return this.byStep.get(Number(m[1]));
    // Other lines: the last non-step group that starts at or before i.
    for (let g = this.groups.length - 1; g >= 0; g--) {
      const group = this.groups[g]!;
      if (group.step === null && group.lines[0]! <= i) return group;
    }
    return undefined;
  }
}

/**
 * What the virtualised list shows: for each group a header row (`-1 - groupIndex`), then its
 * line indexes when it is open. Numbers, not objects: 100,000 rows are rebuilt in a few ms.
 */
export function visibleRows(store: LogStore, isOpen: (g: LogGroup) => boolean): number[] {
  const rows: number[] = [];
  store.groups.forEach((g, gi) => {
    rows.push(-1 - gi);
    if (isOpen(g)) for (const i of g.lines) rows.push(i);
  });
  return rows;
}

/** Indexes of lines containing `term` (case-insensitive; ANSI escapes are not searched). */
export function searchLines(store: LogStore, term: string): number[] {
  const t = term.toLowerCase();
  if (!t) return [];
  const out: number[] = [];
  for (let i = 0; i < store.text.length; i++) {
    const line = store.text[i]!;
    if ((line.includes("\u001b") ? stripAnsi(line) : line).toLowerCase().includes(t)) out.push(i);
  }
  return out;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const stripAnsi = (s: string) => s.replace(ANSI, "");
