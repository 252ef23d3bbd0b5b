// What every benchmark suite prints and keeps: medians over rounds, a plain-text table on
// stdout, and the whole result as JSON under .slipway/bench/ (git-ignored) so runs compare.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const median = (xs: number[]): number => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : Number.NaN);

/** The q-quantile (0..1) of xs, nearest rank. */
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(
    `${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map((r) => line(r.map(String))).join("\n")}\n`,
  );
}

/** Writes .slipway/bench/<suite>-<timestamp>.json and <suite>-latest.json; returns the first path. */
export function writeBenchJson(root: string, suite: string, result: unknown): string {
  const dir = join(root, ".slipway", "bench");
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  const path = join(dir, `${suite}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(path, text);
  writeFileSync(join(dir, `${suite}-latest.json`), text);
  return path;
}
