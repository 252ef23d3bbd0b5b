/**
 * How the dashboard keeps server state fresh: one EventSource on GET /api/v1/events for the
 * whole app (`useFarmEvents`, mounted once by the layout) updates or invalidates the matching
 * query keys as builds are queued, start, finish steps, end and publish. Queries showing live
 * state still poll, slowly (`livePoll`), for what the stream cannot say: events lost while it
 * was away are covered by a refetch on every reconnect, the rest by this fallback.
 */
const FALLBACK_POLL_MS = 30_000;

/** The fallback poll; a page (or a test) may lengthen it with `window.slipwayFallbackPollMs` set before the app loads. */
function fallbackPollMs(): number {
  const set = (globalThis as { slipwayFallbackPollMs?: unknown }).slipwayFallbackPollMs;
  return typeof set === "number" && set > 0 ? set : FALLBACK_POLL_MS;
}

/** refetchInterval for a query showing live state; `active`: the data can still change. */
export function livePoll(active = true): number | false {
  return active ? fallbackPollMs() : false;
}
