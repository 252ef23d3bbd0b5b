import { useEffect, useState } from "react";
import { LogStore } from "./log-store";

export interface LogStreamState {
  store: LogStore;
  /** bumps when lines arrived (at most every FLUSH_MS): what re-renders the viewer */
  version: number;
  phase: "connecting" | "live" | "ended" | "error";
  /** the stream's own notes: lines it could not deliver, a revoked token, a lost connection */
  notes: string[];
}

// Lines arrive one event each; re-rendering per line would freeze the page on a fast build.
const FLUSH_MS = 100;
const EMPTY: LogStreamState = { store: new LogStore(), version: 0, phase: "connecting", notes: [] };

/**
 * Follows GET /api/v1/builds/:id/logs/stream for one attempt: an EventSource (the session
 * cookie goes along; a dropped connection reconnects by itself and resumes after the last
 * line through Last-Event-ID), `line` events into a LogStore, `end` closes it. Works the same
 * for a running attempt (live from Redis) and an ended one (from PostgreSQL).
 */
export function useLogStream(buildId: string, attempt: number): LogStreamState {
  // The state names the stream it belongs to: on another build or attempt the page shows an
  // empty log at once (derived here, not reset in the effect, which would render twice).
  const key = `${buildId}#${attempt}`;
  const [state, setState] = useState<LogStreamState & { key: string }>(() => ({
    key,
    store: new LogStore(),
    version: 0,
    phase: "connecting",
    notes: [],
  }));

  useEffect(() => {
    const store = new LogStore();
    const notes: string[] = [];
    let phase: LogStreamState["phase"] = "connecting";
    let timer: ReturnType<typeof setTimeout> | null = null;
    let version = 0;
    const flush = () => {
      timer = null;
      setState({ key, store, version: ++version, phase, notes: [...notes] });
    };
    const schedule = () => {
      if (!timer) timer = setTimeout(flush, FLUSH_MS);
    };

    const es = new EventSource(`/api/v1/builds/${encodeURIComponent(buildId)}/logs/stream?attempt=${attempt}`);
    es.onopen = () => {
      phase = "live";
      schedule();
    };
    es.addEventListener("line", (e) => {
      store.append(Number(e.lastEventId), e.data);
      schedule();
    });
    es.addEventListener("gap", (e) => {
      notes.push((JSON.parse(e.data) as { message: string }).message);
      schedule();
    });
    es.addEventListener("end", () => {
      es.close();
      phase = "ended";
      if (timer) clearTimeout(timer);
      flush();
    });
    // Both the api's own `event: error` (with a message) and a lost connection arrive here.
    es.addEventListener("error", (e) => {
      const data = (e as MessageEvent).data as string | undefined;
      if (data) {
        notes.push((JSON.parse(data) as { message: string }).message);
        es.close();
        phase = "error";
      } else if (es.readyState === EventSource.CLOSED) {
        notes.push("the log stream was refused (signed out, or the build is out of reach)");
        phase = "error";
      } else {
        phase = "connecting"; // EventSource reconnects by itself, resuming after the last line
      }
      schedule();
    });
    return () => {
      es.close();
      if (timer) clearTimeout(timer);
    };
  }, [buildId, attempt, key]);

  return state.key === key ? state : EMPTY;
}
