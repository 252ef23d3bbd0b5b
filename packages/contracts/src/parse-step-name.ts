/** A Dockerfile step as BuildKit names it: `[build 2/4] COPY . .`, `[2/4] RUN make`. */
export interface StepName {
  /** the stage's name ("" for an unnamed single stage) */
  stage: string;
  /** its place in the stage: the k of [k/n] */
  k: number;
  /** the instruction and its arguments, e.g. "COPY . ." */
  text: string;
  /** the instruction, upper case: RUN, COPY, FROM, ... */
  op: string;
}

const STEP = /^\[(?:([^\]]+?) )?(\d+)\/\d+\]\s+(.+)$/s;

/** The parts of a Dockerfile step's name; undefined for BuildKit's own vertices ([internal], exporting, ...). */
export function parseStepName(name: string): StepName | undefined {
  const m = STEP.exec(name);
  if (!m) return undefined;
  const text = m[3]!.trim();
  return { stage: m[1] ?? "", k: Number(m[2]), text, op: text.split(/\s/, 1)[0]!.toUpperCase() };
}
