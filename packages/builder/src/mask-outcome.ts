import { InfrastructureFailure, UserFailure } from "./failures";
import type { AttemptOutcome } from "./record-outcome";
import type { StepRecord } from "./step-tracker";

/**
 * The outcome with secrets masked wherever its text leaves the build other than through the
 * log: the failure message (Build.errorMessage, the worker's log, BullMQ's failedReason and
 * stack trace in Redis) and step names, errors and rebuild reasons (BuildStep rows). A failure is made anew,
 * so its stack trace carries the masked message too.
 */
export function maskOutcome(outcome: AttemptOutcome, mask: (text: string) => string): AttemptOutcome {
  const steps = (list: StepRecord[] | undefined) =>
    list?.map((s) => ({
      ...s,
      name: mask(s.name),
      error: s.error === null ? null : mask(s.error),
      ...(s.rebuildReason ? { rebuildReason: mask(s.rebuildReason) } : {}),
    }));
  switch (outcome.kind) {
    case "failed": {
      const message = mask(outcome.failure.message);
      const failure =
        message === outcome.failure.message
          ? outcome.failure
          : outcome.failure instanceof InfrastructureFailure
            ? new InfrastructureFailure(message)
            : new UserFailure(message);
      return { ...outcome, failure, ...(outcome.steps ? { steps: steps(outcome.steps) } : {}) };
    }
    case "succeeded":
      return { ...outcome, steps: steps(outcome.steps)! };
    case "cancelled":
      return { ...outcome, message: mask(outcome.message), ...(outcome.steps ? { steps: steps(outcome.steps) } : {}) };
    default:
      return outcome;
  }
}
