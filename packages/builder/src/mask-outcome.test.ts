import { describe, expect, it } from "vitest";
import { InfrastructureFailure, UserFailure } from "./failures";
import { maskOutcome } from "./mask-outcome";

const mask = (t: string) => t.replaceAll("s3cret-value", "***");
const step = {
  index: 1,
  vertexDigest: "sha256:1",
  name: "[2/2] RUN echo s3cret-value",
  startedAt: null,
  completedAt: null,
  cached: false,
  error: "exit s3cret-value",
};

describe("maskOutcome", () => {
  it("masks the failure message (and its stack), keeping its class, and step names and errors", () => {
    for (const Failure of [UserFailure, InfrastructureFailure]) {
      const out = maskOutcome({ kind: "failed", failure: new Failure("step printed s3cret-value"), steps: [step] }, mask);
      if (out.kind !== "failed") throw new Error("kind changed");
      expect(out.failure).toBeInstanceOf(Failure);
      expect(out.failure.message).toBe("step printed ***");
      expect(out.failure.stack).not.toContain("s3cret-value");
      expect(out.steps).toEqual([{ ...step, name: "[2/2] RUN echo ***", error: "exit ***" }]);
    }
  });

  it("masks a step's rebuild reason (it quotes the Dockerfile line, build arguments included)", () => {
    const reason = "Dockerfile line changed: RUN echo s3cret-value";
    const out = maskOutcome({ kind: "failed", failure: new UserFailure("x"), steps: [{ ...step, rebuildReason: reason }] }, mask);
    expect(out.kind === "failed" && out.steps?.[0]?.rebuildReason).toBe("Dockerfile line changed: RUN echo ***");
  });

  it("masks the steps of a success and the message of a cancel; leaves the rest alone", () => {
    const ok = maskOutcome(
      {
        kind: "succeeded",
        digest: "sha256:d",
        imageRef: "r/i:t",
        steps: [{ ...step, error: null }],
        counts: { cached: 0, total: 1 },
        config: {} as never,
      },
      mask,
    );
    expect(ok.kind === "succeeded" && ok.steps[0]!.name).toBe("[2/2] RUN echo ***");
    const cancelled = maskOutcome({ kind: "cancelled", message: "cancelled s3cret-value" }, mask);
    expect(cancelled).toEqual({ kind: "cancelled", message: "cancelled ***" });
    expect(maskOutcome({ kind: "skipped" }, mask)).toEqual({ kind: "skipped" });
  });
});
