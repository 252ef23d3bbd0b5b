import { ZBuildJobData } from "@slipway/contracts";
import type { BuildQueue } from "./build-queue";
import type { OutboxHandler } from "./outbox-relay";

/** Handler for the OUTBOX_BUILD_ENQUEUE topic: add the build job (idempotent by job id). */
export function createBuildEnqueueHandler(queue: BuildQueue): OutboxHandler {
  return async (payload) => {
    await queue.enqueue(ZBuildJobData.parse(payload));
  };
}
