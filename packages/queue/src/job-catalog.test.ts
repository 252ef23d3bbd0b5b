import { describe, expect, it } from "vitest";
import { PUBLISH_JOB, REPORT_JOB } from "./job-catalog";

const buildId = "01a22000-0000-7000-8000-000000000001";
const retry = "01a22000-0000-7000-8000-0000000000ff";

describe("job ids", () => {
  it("a publish retry and its GitHub report are jobs of their own, not deduped against the first publish's", () => {
    expect(PUBLISH_JOB.jobId({ buildId, attempt: 1, retry })).not.toBe(PUBLISH_JOB.jobId({ buildId, attempt: 1 }));
    expect(REPORT_JOB.jobId({ buildId, attempt: 1, event: "published", retry })).not.toBe(
      REPORT_JOB.jobId({ buildId, attempt: 1, event: "published" }),
    );
    // The same state change announced twice (outbox dispatched twice) is one job.
    expect(REPORT_JOB.jobId({ buildId, attempt: 1, event: "queued" })).toBe(REPORT_JOB.jobId({ buildId, attempt: 1, event: "queued" }));
  });
});
