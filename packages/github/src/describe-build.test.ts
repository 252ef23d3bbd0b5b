import { describe, expect, it } from "vitest";
import { describeCheckRun, describeCommitStatus, type BuildReportState } from "./describe-build";

const base: BuildReportState = {
  buildId: "0190a6b2-0000-7000-8000-000000000001",
  status: "succeeded",
  attempt: 1,
  refName: "main",
  startedAt: new Date("2026-11-28T10:00:00Z"),
  finishedAt: new Date("2026-11-28T10:00:12.345Z"),
  durationMs: 12_345,
  cachedSteps: 3,
  totalSteps: 5,
  errorClass: null,
  errorMessage: null,
  digest: `sha256:${"a".repeat(64)}`,
  failedStep: null,
  logTail: [],
  publishTargets: [],
  publishes: [],
  detailsUrl: "https://slipway.example.com/builds/0190a6b2-0000-7000-8000-000000000001",
};
const state = (o: Partial<BuildReportState>): BuildReportState => ({ ...base, ...o });

describe("the check run for a build", () => {
  it("queued and running: no conclusion; the attempt is named after a retry", () => {
    expect(describeCheckRun(state({ status: "queued", attempt: 2, startedAt: null, finishedAt: null }))).toEqual({
      external_id: base.buildId,
      details_url: base.detailsUrl,
      status: "queued",
      output: { title: "Queued (attempt 2)", summary: "Waiting for a build worker (attempt 2)." },
    });
    const running = describeCheckRun(state({ status: "running", finishedAt: null }));
    expect(running).toMatchObject({ status: "in_progress", started_at: "2026-11-28T10:00:00.000Z", output: { title: "Building" } });
    expect(running.conclusion).toBeUndefined();
  });

  it("success without publish targets: duration, cached/total steps, digest", () => {
    const c = describeCheckRun(state({}));
    expect(c).toMatchObject({
      status: "completed",
      conclusion: "success",
      completed_at: "2026-11-28T10:00:12.345Z",
      output: { title: "Built" },
    });
    expect(c.output.summary).toBe(`Built in 12.3s, 3/5 steps cached.\n\nImage digest \`sha256:${"a".repeat(64)}\``);
  });

  it("stays in progress while publishing, then lists the published tags", () => {
    const publishing = state({
      publishTargets: ["ghcr.io/acme/app"],
      publishes: [{ target: "ghcr.io/acme/app", tag: "main", status: "pending", error: null }],
    });
    expect(describeCheckRun(publishing)).toMatchObject({ status: "in_progress", output: { title: "Built; publishing" } });
    expect(describeCheckRun(state({ publishTargets: ["ghcr.io/acme/app"] })).status).toBe("in_progress");
    const done = describeCheckRun(
      state({
        publishTargets: ["ghcr.io/acme/app"],
        publishes: [
          { target: "ghcr.io/acme/app", tag: "main", status: "pushed", error: null },
          { target: "ghcr.io/acme/app", tag: "sha-6113728", status: "pushed", error: null },
          { target: "ghcr.io/acme/app", tag: "latest", status: "superseded", error: "newer" },
        ],
      }),
    );
    expect(done).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Built and published 2 tags" } });
    expect(done.output.summary).toContain("Published:\n- `ghcr.io/acme/app:main`\n- `ghcr.io/acme/app:sha-6113728`");
    expect(done.output.summary).toContain("Not moved (a newer build holds them):\n- `ghcr.io/acme/app:latest`");
  });

  it("a failed publish fails the check with the registry's error", () => {
    const c = describeCheckRun(
      state({
        publishTargets: ["ghcr.io/acme/app"],
        publishes: [{ target: "ghcr.io/acme/app", tag: "main", status: "failed", error: "denied: no push access" }],
      }),
    );
    expect(c).toMatchObject({ conclusion: "failure", output: { title: "Publish failed" } });
    expect(c.output.summary).toContain("- `ghcr.io/acme/app:main`: `denied: no push access`");
  });

  it("a failed build names the failed step and shows its last lines in a code block", () => {
    const c = describeCheckRun(
      state({
        status: "failed",
        errorClass: "user",
        errorMessage: "RUN exited with code 3",
        digest: null,
        failedStep: { name: "[build 2/3] RUN make", error: "exit code: 3" },
        logTail: ["cc -o app main.c", "main.c:1: error: ``` oops", "make: *** [app] Error 3"],
      }),
    );
    expect(c).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "Failed: [build 2/3] RUN make" } });
    expect(c.output.summary).toBe(
      [
        "Failed after 12.3s: the build failed.",
        "",
        "`RUN exited with code 3`",
        "",
        "Failed step: `[build 2/3] RUN make`",
        "",
        "3/5 steps cached.",
        "",
        "Last 3 lines of that step:",
        "",
        "```",
        "cc -o app main.c",
        "main.c:1: error: ''' oops",
        "make: *** [app] Error 3",
        "```",
      ].join("\n"),
    );
  });

  it("an infrastructure failure says it was the farm's; without a step, the log's last lines", () => {
    const c = describeCheckRun(
      state({
        status: "failed",
        errorClass: "infrastructure",
        errorMessage: "daemon unreachable",
        totalSteps: null,
        cachedSteps: null,
        logTail: ["slipway: fetching"],
      }),
    );
    expect(c.output.summary).toContain("infrastructure failure (the farm's, not the build's)");
    expect(c.output.summary).toContain("Last 1 line of the log:");
    expect(c.output.title).toBe("Failed: daemon unreachable");
  });

  it("cancelled: conclusion cancelled; no link without SLIPWAY_PUBLIC_URL", () => {
    const c = describeCheckRun(state({ status: "cancelled", detailsUrl: undefined, durationMs: null }));
    expect(c).toMatchObject({ conclusion: "cancelled", output: { title: "Cancelled", summary: "Cancelled." } });
    expect("details_url" in c).toBe(false);
  });
});

describe("the commit status for a build", () => {
  it("pending, success, failure, error with a one-line description of at most 140 characters", () => {
    expect(describeCommitStatus(state({ status: "queued" }))).toEqual({
      context: "slipway",
      target_url: base.detailsUrl,
      state: "pending",
      description: "Queued",
    });
    expect(describeCommitStatus(state({ status: "running" })).state).toBe("pending");
    expect(
      describeCommitStatus(state({ publishTargets: ["r/x"], publishes: [{ target: "r/x", tag: "main", status: "pushed", error: null }] })),
    ).toMatchObject({ state: "success", description: "Built in 12.3s, 3/5 steps cached; published 1 tag" });
    const failed = describeCommitStatus(
      state({ status: "failed", errorMessage: `boom ${"x".repeat(300)}`, failedStep: { name: "[2/2] RUN false", error: "exit 1" } }),
    );
    expect(failed.state).toBe("failure");
    expect(failed.description).toMatch(/^Failed at \[2\/2\] RUN false: boom x+…$/);
    expect(failed.description).toHaveLength(140);
    expect(describeCommitStatus(state({ status: "cancelled", detailsUrl: undefined }))).toEqual({
      context: "slipway",
      state: "error",
      description: "Cancelled",
    });
  });
});
