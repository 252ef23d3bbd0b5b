import { Redis } from "ioredis";

export type RedisRole = "producer" | "worker";

/**
 * A Redis connection for BullMQ.
 * - producer (api, relay): `enableOfflineQueue: false`, so an add fails at once while Redis is
 *   down instead of hanging the request; the outbox keeps the job until Redis is back.
 * - worker: `maxRetriesPerRequest: null`, as BullMQ requires for blocking connections.
 * Both reconnect forever with a capped backoff.
 */
export function createRedis(url: string, role: RedisRole): Redis {
  return new Redis(url, {
    enableOfflineQueue: role === "worker",
    maxRetriesPerRequest: role === "worker" ? null : 1,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    // A half-open connection must not wedge a producer; blocking worker commands may wait.
    ...(role === "producer" ? { commandTimeout: 5_000 } : {}),
    connectionName: `slipway-${role}`,
    lazyConnect: false,
  });
}
