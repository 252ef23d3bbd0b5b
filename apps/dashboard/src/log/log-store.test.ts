import { describe, expect, it } from "vitest";
import { LogStore, searchLines, visibleRows } from "./log-store";

const feed = (lines: string[]) => {
  const s = new LogStore();
  lines.forEach((l, i) => s.append(i + 1, l));
  return s;
};

describe("LogStore", () => {
  it("groups BuildKit's #N lines per step, even interleaved, and Slipway's own lines in runs", () => {
    const s = feed([
      "slipway: build started on e2e-host",
      "#1 [internal] load build definition from Dockerfile",
      "#1 DONE 0.0s",
      "#2 [1/2] FROM base",
      "#3 [2/2] RUN make",
      "#3 0.10 compiling",
      "#2 CACHED",
      '#3 ERROR: process "make" did not complete successfully: exit code: 2',
      "slipway: build failed (user failure)",
      "slipway: step [2/2] RUN make failed with exit code 2",
    ]);
    expect(s.groups.map((g) => [g.key, g.title, g.lines, g.state])).toEqual([
      ["o0", "slipway: build started on e2e-host", [0], null],
      ["s1", "[internal] load build definition from Dockerfile", [1, 2], "done"],
      ["s2", "[1/2] FROM base", [3, 6], "cached"],
      ["s3", "[2/2] RUN make", [4, 5, 7], "error"],
      ["o8", "slipway: build failed (user failure)", [8, 9], null],
    ]);
    expect(s.groupOf(5)?.key).toBe("s3");
    expect(s.groupOf(9)?.key).toBe("o8");
    expect(s.groupOf(0)?.key).toBe("o0");
  });

  it("rows list headers and the lines of open groups only", () => {
    const s = feed(["#1 a", "#1 b", "#2 c", "#2 d", "#2 e"]);
    expect(visibleRows(s, () => true)).toEqual([-1, 0, 1, -2, 2, 3, 4]);
    expect(visibleRows(s, (g) => g.step !== 2)).toEqual([-1, 0, 1, -2]);
  });

  it("finds line numbers after a gap, and searches without ANSI escapes, case-insensitively", () => {
    const s = new LogStore();
    s.append(1, "#1 \u001b[31mError\u001b[0m here");
    s.append(2, "#1 fine");
    s.append(50, "#1 ERROR again");
    expect(s.indexOf(50)).toBe(2);
    expect(s.indexOf(3)).toBe(-1);
    expect(searchLines(s, "error")).toEqual([0, 2]);
    expect(searchLines(s, "31m")).toEqual([]);
    expect(searchLines(s, "")).toEqual([]);
  });

  it("takes 100,000 lines quickly enough to stay out of the way (no timing asserted: counts only)", () => {
    const s = new LogStore();
    for (let n = 1; n <= 100_000; n++) s.append(n, `#${n % 7} line ${n}`);
    expect(s.text).toHaveLength(100_000);
    expect(s.groups).toHaveLength(7);
    expect(visibleRows(s, () => true)).toHaveLength(100_007);
  });
});
