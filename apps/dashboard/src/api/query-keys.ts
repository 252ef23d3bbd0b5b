/** react-query keys: one place, so the event stream (farm-events.ts) can invalidate exactly what changed. */
export const queryKeys = {
  session: ["session"] as const,
  builds: (filters: object) => ["builds", filters] as const,
  allBuilds: ["builds"] as const,
  build: (id: string) => ["build", id] as const,
  steps: (id: string, attempt: number) => ["build", id, "steps", attempt] as const,
  /** steps of a running attempt as build.step events told them (never fetched: the stream writes them) */
  liveSteps: (id: string, attempt: number) => ["live-steps", id, attempt] as const,
  publishes: (id: string) => ["build", id, "publishes"] as const,
  farm: ["farm"] as const,
  queues: ["farm", "queues"] as const,
  workers: ["farm", "workers"] as const,
};
