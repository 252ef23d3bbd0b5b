import { OUTBOX_BUILD_ENQUEUE, OUTBOX_PUBLISH_ENQUEUE } from "@slipway/contracts";
import type { Redis } from "ioredis";
import { BUILD_JOB, PUBLISH_JOB } from "./job-catalog";
import { JobProducer, type ProducerOptions } from "./job-producer";
import type { OutboxHandler } from "./outbox-relay";

export interface Producers {
  build: JobProducer<typeof BUILD_JOB.schema>;
  publish: JobProducer<typeof PUBLISH_JOB.schema>;
  close: () => Promise<void>;
}

/** The producers of every queue, on one (producer) connection. */
export function createProducers(connection: Redis, opts: { prefix?: string; build?: ProducerOptions; publish?: ProducerOptions } = {}): Producers {
  const build = new JobProducer(BUILD_JOB, connection, { ...opts.build, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
  const publish = new JobProducer(PUBLISH_JOB, connection, { ...opts.publish, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
  return { build, publish, close: async () => { await build.close(); await publish.close(); } };
}

/** Outbox topic → handler, for every topic: any process's relay can dispatch any row. */
export function createOutboxHandlers(p: Producers): Record<string, OutboxHandler> {
  return {
    [OUTBOX_BUILD_ENQUEUE]: (payload) => p.build.enqueue(BUILD_JOB.schema.parse(payload)),
    [OUTBOX_PUBLISH_ENQUEUE]: (payload) => p.publish.enqueue(PUBLISH_JOB.schema.parse(payload)),
  };
}
