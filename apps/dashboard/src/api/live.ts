/**
 * How the dashboard keeps server state fresh. Today: react-query polls every query that shows
 * live state (builds list, one build, its steps and publishes) every LIVE_POLL_MS while the
 * tab is visible. When the api grows `GET /api/v1/events` (build created, started, step
 * finished, finished, published), one EventSource in `useLiveUpdates` invalidates the
 * matching query keys on each event and `livePoll` returns false: the queries and components
 * stay as they are.
 */
const LIVE_POLL_MS = 3_000;

/** refetchInterval for a query showing live state; `active`: the data can still change. */
export function livePoll(active = true): number | false {
  return active ? LIVE_POLL_MS : false;
}
