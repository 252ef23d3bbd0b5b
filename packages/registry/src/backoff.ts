/** Longest wait we accept from a Retry-After header: a registry asking for hours is as good as down. */
const MAX_RETRY_AFTER_MS = 120_000;
/** Cap on the exponential part so a large `retries` does not grow into minute-long sleeps. */
const MAX_BACKOFF_MS = 30_000;

/**
 * Delay before retry number `attempt` (0-based). Full jitter (a random wait in
 * [0, base * 2^attempt]) spreads out the publisher's parallel copies after an outage; a
 * Retry-After header (seconds or HTTP date) is a floor we honour when the registry sends one.
 */
export function retryDelayMs(attempt: number, backoffMs: number, retryAfter: string | null, now = Date.now()): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** attempt);
  const jitter = Math.random() * ceiling;
  const asked = parseRetryAfter(retryAfter, now);
  return asked === undefined ? jitter : Math.max(asked, jitter);
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

export { setTimeout as sleep } from "node:timers/promises";
