/** react-query keys: one place, so an events stream can invalidate exactly what changed. */
export const queryKeys = {
  session: ["session"] as const,
  builds: (filters: object) => ["builds", filters] as const,
  allBuilds: ["builds"] as const,
  build: (id: string) => ["build", id] as const,
  steps: (id: string, attempt: number) => ["build", id, "steps", attempt] as const,
  publishes: (id: string) => ["build", id, "publishes"] as const,
  queues: ["farm", "queues"] as const,
  workers: ["farm", "workers"] as const,
};
