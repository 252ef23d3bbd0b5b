import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, totalmem } from "node:os";

const OUT_DIR = fileURLToPath(new URL("../../.slipway/bench/", import.meta.url));

/**
 * Writes one suite's figures as JSON under .slipway/bench/ (git-ignored): `<suite>-<time>.json`
 * and `<suite>-latest.json`, with the machine described, so runs can be compared later.
 * Returns the path of the timestamped file.
 */
export function saveBenchResult(suite: string, result: unknown): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const doc = {
    suite,
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
    result,
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const path = join(OUT_DIR, `${suite}-${doc.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(path, text);
  writeFileSync(join(OUT_DIR, `${suite}-latest.json`), text);
  return path;
}
