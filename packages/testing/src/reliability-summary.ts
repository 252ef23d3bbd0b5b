import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One input class of a fuzz suite and what it did. */
export interface ReliabilityClass {
  name: string;
  cases: number;
  /** answers with a 5xx status (HTTP suites) */
  fiveXX: number;
  /** a thrown error of the wrong kind, a dropped connection, or the service not answering after */
  crashes: number;
  /** rows or jobs created by requests without a valid signature or token */
  unsignedRows: number;
}

/** Where the fuzz and fault suites leave their counts; tests/faults/write-reliability.ts renders RELIABILITY.md from them. */
export const RELIABILITY_DIR = fileURLToPath(new URL("../../../.slipway/test/reliability/", import.meta.url));

/** Writes `<RELIABILITY_DIR>/<name>.json`. */
export function writeReliabilityRecord(name: string, record: object): void {
  mkdirSync(RELIABILITY_DIR, { recursive: true });
  writeFileSync(`${RELIABILITY_DIR}${name}.json`, `${JSON.stringify(record, null, 2)}\n`);
}

/** Counts per input class, kept while a fuzz suite runs; written whether the suite passed or not. */
export class ReliabilityTally {
  private readonly classes = new Map<string, ReliabilityClass>();

  constructor(private readonly suite: string) {}

  /** the counters of `name`, created at zero */
  of(name: string): ReliabilityClass {
    let c = this.classes.get(name);
    if (!c) {
      c = { name, cases: 0, fiveXX: 0, crashes: 0, unsignedRows: 0 };
      this.classes.set(name, c);
    }
    return c;
  }

  total(): number {
    return [...this.classes.values()].reduce((n, c) => n + c.cases, 0);
  }

  /** `.slipway/test/reliability/<suite>.json`, which RELIABILITY.md is rendered from */
  write(): void {
    writeReliabilityRecord(this.suite, { suite: this.suite, classes: [...this.classes.values()] });
  }
}
