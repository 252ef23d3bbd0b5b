export { BUILD_JOB, buildJobId, PUBLISH_JOB, REPORT_JOB, type JobDefinition } from "./job-catalog";
export { JobProducer, type ProducerOptions } from "./job-producer";
export { createOutboxHandlers, createProducers, type Producers } from "./create-producers";
export { createRedis, type RedisRole } from "./create-redis";
export { OutboxRelay, type OutboxHandler, type OutboxRelayOptions } from "./outbox-relay";
export { isFinalTry, triesExhausted } from "./job-tries";
export { countJobs } from "./count-jobs";
export { listHeartbeats, WorkerHeartbeat, type HeartbeatIdentity, type HeartbeatRecord } from "./worker-heartbeat";
