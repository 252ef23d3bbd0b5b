export { BUILD_JOB, buildJobId, type JobDefinition } from "./job-catalog";
export { BuildQueue, type QueueOptions } from "./build-queue";
export { createRedis, type RedisRole } from "./create-redis";
export { OutboxRelay, type OutboxHandler, type OutboxRelayOptions } from "./outbox-relay";
export { createBuildEnqueueHandler } from "./build-enqueue-topic";
