import { OUTBOX_BUILD_ENQUEUE, OUTBOX_GITHUB_REPORT, OUTBOX_PUBLISH_ENQUEUE } from "@slipway/contracts";
import type { Redis } from "ioredis";
import { BUILD_JOB, PUBLISH_JOB, REPORT_JOB } from "./job-catalog";
import { JobProducer, type ProducerOptions } from "./job-producer";
import type { OutboxHandler } from "./outbox-relay";

export interface Producers {
  build: JobProducer<typeof BUILD_JOB.schema>;
  publish: JobProducer<typeof PUBLISH_JOB.schema>;
  report: JobProducer<typeof REPORT_JOB.schema>;
  close: () => Promise<void>;
}

/** The producers of every queue, on one (producer) connection. */
export function createProducers(
  connection: Redis,
  opts: { prefix?: string; build?: ProducerOptions; publish?: ProducerOptions; report?: ProducerOptions } = {},
): Producers {
  const prefix = opts.prefix ? { prefix: opts.prefix } : {};
  const build = new JobProducer(BUILD_JOB, connection, { ...opts.build, ...prefix });
  const publish = new JobProducer(PUBLISH_JOB, connection, { ...opts.publish, ...prefix });
  const report = new JobProducer(REPORT_JOB, connection, { ...opts.report, ...prefix });
  return {
    build,
    publish,
    report,
    close: async () => {
      await build.close();
      await publish.close();
      await report.close();
    },
  };
}

/** Outbox topic → handler, for every topic: any process's relay can dispatch any row. */
export function createOutboxHandlers(p: Producers): Record<string, OutboxHandler> {
  return {
    [OUTBOX_BUILD_ENQUEUE]: (payloads) => p.build.enqueueMany(payloads),
    [OUTBOX_PUBLISH_ENQUEUE]: (payloads) => p.publish.enqueueMany(payloads),
    [OUTBOX_GITHUB_REPORT]: (payloads) => p.report.enqueueMany(payloads),
  };
}
