import { describe, expect, it } from "vitest";
import { RawjsonParser, type SolveStatus } from "./rawjson-parser";
import { StepTracker } from "./step-tracker";

function parse(chunks: string[]) {
  const statuses: SolveStatus[] = [];
  const text: string[] = [];
  const p = new RawjsonParser({ onStatus: (s) => statuses.push(s), onText: (l) => text.push(l) });
  for (const c of chunks) p.push(c);
  p.end();
  return { statuses, text };
}

// Shapes as buildx 0.13 prints them (pretty-printed, `}` alone closes an object).
const pretty = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const v1 = { vertexes: [{ digest: "sha256:aa", name: "[builder 2/2] RUN make", started: "2026-01-01T00:00:00Z" }] };
const v2 = {
  vertexes: [{ digest: "sha256:aa", name: "[builder 2/2] RUN make", started: "2026-01-01T00:00:00Z", completed: "2026-01-01T00:00:02Z" }],
};
const logs = { logs: [{ vertex: "sha256:aa", stream: 1, data: Buffer.from("hello\nwor").toString("base64") }] };

describe("RawjsonParser", () => {
  it("parses pretty-printed objects split at any byte, and passes other lines through as text", () => {
    const all =
      pretty(v1) + pretty(logs) + "Dockerfile:2\n--------------------\n   2 | >>> RUN make\nERROR: failed to solve: boom\n" + pretty(v2);
    for (const size of [1, 7, 64, all.length]) {
      const chunks = all.match(new RegExp(`[\\s\\S]{1,${size}}`, "g"))!;
      const { statuses, text } = parse(chunks);
      expect(statuses).toEqual([v1, logs, v2]);
      expect(text).toEqual(["Dockerfile:2", "--------------------", "   2 | >>> RUN make", "ERROR: failed to solve: boom"]);
    }
  });

  it("parses one object per line too", () => {
    const { statuses } = parse([`${JSON.stringify(v1)}\n${JSON.stringify(v2)}\n`]);
    expect(statuses).toEqual([v1, v2]);
  });

  it("gives back as text an object that never closes", () => {
    const { statuses, text } = parse(['{\n  "vertexes": [\n']);
    expect(statuses).toEqual([]);
    expect(text).toEqual(["{", '  "vertexes": [']);
  });
});

describe("StepTracker", () => {
  it("merges updates per vertex and counts only Dockerfile build steps", () => {
    const t = new StepTracker();
    t.update({
      digest: "sha256:i",
      name: "[internal] load build definition from Dockerfile",
      started: "2026-01-01T00:00:00Z",
      completed: "2026-01-01T00:00:00Z",
    });
    t.update({ digest: "sha256:f", name: "[builder 1/3] FROM reg/base:1@sha256:00", started: "2026-01-01T00:00:00Z" });
    t.update({ digest: "sha256:r", name: "[builder 2/3] RUN make", started: "2026-01-01T00:00:01Z" });
    t.update({ digest: "sha256:r", completed: "2026-01-01T00:00:03Z" });
    t.update({ digest: "sha256:c", name: "[stage-1 2/2] COPY --from=builder /a /b", cached: true });
    t.update({ digest: "sha256:x", name: "importing cache manifest from reg/cache:main", error: "not found" });
    const run = t.all().find((s) => s.vertexDigest === "sha256:r")!;
    expect(run).toMatchObject({ index: 2, name: "[builder 2/3] RUN make", cached: false, error: null });
    expect(run.completedAt!.getTime() - run.startedAt!.getTime()).toBe(2000);
    expect(t.counts()).toEqual({ cached: 1, total: 2 });
    // The cache-import error is bookkeeping, not a failed build step.
    expect(t.failedStep()).toBeUndefined();
    t.update({ digest: "sha256:r", error: 'process "/bin/sh -c make" did not complete successfully: exit code: 2' });
    expect(t.failedStep()?.name).toBe("[builder 2/3] RUN make");
  });
});
