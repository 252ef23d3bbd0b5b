import { stepOfEvent, type TBuildStep, type TFarmEvent } from "@slipway/contracts";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { queryKeys } from "./query-keys";

const URL = "/api/v1/events";
/** Builds lists refetch at most this often however many events arrive. */
const LIST_DEBOUNCE_MS = 250;
/** After the api refused the stream (429, 5xx, down), open it again this much later. */
const REOPEN_MS = 15_000;

/** Applies one event to the caches: live steps written, the build and lists refetched. */
function apply(client: QueryClient, e: TFarmEvent, refetchLists: () => void): void {
  if (e.type === "build.step") {
    client.setQueryData<TBuildStep[]>(queryKeys.liveSteps(e.buildId, e.attempt), (old = []) => [
      ...old.filter((s) => s.index !== e.index),
      stepOfEvent(e),
    ]);
    return;
  }
  if (e.type === "build.published") {
    void client.invalidateQueries({ queryKey: queryKeys.publishes(e.buildId) });
    return;
  }
  // queued, started, finished: the build (its steps and publishes once it ended), the lists, the farm page.
  void client.invalidateQueries({ queryKey: queryKeys.build(e.buildId), exact: e.type !== "build.finished" });
  void client.invalidateQueries({ queryKey: queryKeys.farm });
  refetchLists();
}

/**
 * The app's one EventSource on GET /api/v1/events (the session cookie goes along). Each event
 * updates the react-query caches; every (re)connect refetches what is shown, since events may
 * have been missed while away. A dropped connection resumes by itself (Last-Event-ID); one the
 * api refused is opened again after REOPEN_MS, after the last event seen. The api's own
 * `error` event (token revoked) asks for the session again, which signs out.
 */
export function useFarmEvents(): void {
  const client = useQueryClient();
  useEffect(() => {
    // Streamed steps are kept while nobody looks (a build page opened later shows them): for a long build's length.
    client.setQueryDefaults(["live-steps"], { gcTime: 3 * 3600_000 });
    let es: EventSource | null = null;
    let lastId: string | null = null;
    let listTimer: ReturnType<typeof setTimeout> | null = null;
    let reopenTimer: ReturnType<typeof setTimeout> | null = null;
    const refetchLists = () => {
      listTimer ??= setTimeout(() => {
        listTimer = null;
        void client.invalidateQueries({ queryKey: queryKeys.allBuilds });
      }, LIST_DEBOUNCE_MS);
    };
    const onEvent = (m: MessageEvent<string>) => {
      if (m.lastEventId) lastId = m.lastEventId;
      try {
        apply(client, JSON.parse(m.data) as TFarmEvent, refetchLists);
      } catch {
        // an event this dashboard cannot read: the fallback poll covers it
      }
    };
    const open = () => {
      reopenTimer = null;
      es = new EventSource(lastId ? `${URL}?after=${encodeURIComponent(lastId)}` : URL);
      for (const type of ["build.queued", "build.started", "build.step", "build.finished", "build.published"])
        es.addEventListener(type, onEvent);
      // Whatever happened before this (re)connect is not coming: look again at what is shown.
      es.onopen = () =>
        void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.session[0] && q.queryKey[0] !== "live-steps" });
      es.addEventListener("error", (e) => {
        const data = (e as MessageEvent<string | undefined>).data;
        if (data) void client.invalidateQueries({ queryKey: queryKeys.session });
        if (es?.readyState === EventSource.CLOSED) {
          es.close();
          void client.invalidateQueries({ queryKey: queryKeys.session });
          reopenTimer ??= setTimeout(open, REOPEN_MS);
        }
      });
    };
    open();
    return () => {
      es?.close();
      if (listTimer) clearTimeout(listTimer);
      if (reopenTimer) clearTimeout(reopenTimer);
    };
  }, [client]);
}
