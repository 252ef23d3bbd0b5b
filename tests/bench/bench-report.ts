// What every benchmark suite prints and keeps: medians over rounds, a plain-text table on
// stdout, and the whole result as JSON under .slipway/bench/ (git-ignored) so runs compare.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
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

/**
 * Writes one suite's figures as JSON under <root>/.slipway/bench/ (git-ignored):
 * `<suite>-<time>.json` and `<suite>-latest.json`, with the machine described, so runs can be
 * compared later. Returns the path of the timestamped file.
 */
export function writeBenchJson(root: string, suite: string, result: unknown): string {
  const dir = join(root, ".slipway", "bench");
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version };
  const text = `${JSON.stringify({ suite, at, machine, result }, null, 2)}\n`;
  const path = join(dir, `${suite}-${at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(path, text);
  writeFileSync(join(dir, `${suite}-latest.json`), text);
  return path;
}

/** Runs a suite's main; a failure prints its stack and exits 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
