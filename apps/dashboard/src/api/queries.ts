import type {
  TBuild,
  TBuildList,
  TBuildStatus,
  TBuildStep,
  TCreateBuildBody,
  TPublish,
  TQueueCounts,
  TSession,
  TWorkerList,
} from "@slipway/contracts";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { apiFetch } from "./api-fetch";
import { livePoll } from "./live";
import { queryKeys } from "./query-keys";

const ENDED: ReadonlySet<TBuildStatus> = new Set(["succeeded", "failed", "cancelled"]);
export const isEnded = (status: TBuildStatus) => ENDED.has(status);

export interface BuildFilters {
  repo?: string | undefined;
  branch?: string | undefined;
  status?: TBuildStatus | undefined;
}

const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};

/** Pages of builds, newest first, following the API's cursor ("Load more"); kept live by the event stream. */
export function useBuildPages(filters: BuildFilters, pageSize = 25) {
  return useInfiniteQuery({
    queryKey: queryKeys.builds({ ...filters, pageSize }),
    queryFn: ({ pageParam, signal }) =>
      apiFetch<TBuildList>(`/builds${query({ ...filters, limit: pageSize, cursor: pageParam })}`, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: livePoll(),
    placeholderData: keepPreviousData,
  });
}

/** One page of builds (the farm page's panels). */
export function useBuildList(filters: BuildFilters, limit = 20) {
  return useQuery({
    queryKey: queryKeys.builds({ ...filters, limit, single: true }),
    queryFn: ({ signal }) => apiFetch<TBuildList>(`/builds${query({ ...filters, limit })}`, { signal }),
    refetchInterval: livePoll(),
  });
}

export function useBuild(id: string) {
  return useQuery({
    queryKey: queryKeys.build(id),
    queryFn: ({ signal }) => apiFetch<TBuild>(`/builds/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (q) => livePoll(!q.state.data || !isEnded(q.state.data.status)),
  });
}

/** An attempt's steps: those stored (the worker stores them as the attempt ends) and, while it runs, those build.step events told. */
export function useSteps(id: string, attempt: number, live: boolean) {
  const stored = useQuery({
    queryKey: queryKeys.steps(id, attempt),
    queryFn: ({ signal }) =>
      apiFetch<{ attempt: number; steps: TBuildStep[] }>(`/builds/${encodeURIComponent(id)}/steps?attempt=${attempt}`, { signal }),
    refetchInterval: livePoll(live),
  });
  // Written by the event stream (farm-events.ts), never fetched.
  const streamed = useQuery({
    queryKey: queryKeys.liveSteps(id, attempt),
    queryFn: () => [] as TBuildStep[],
    staleTime: Infinity,
    enabled: false,
    initialData: [] as TBuildStep[],
  });
  const steps = useMemo(() => mergeSteps(stored.data?.steps ?? [], streamed.data), [stored.data, streamed.data]);
  return { steps, error: stored.error };
}

/** Stored steps win over streamed ones of the same index (they know when each step started). */
function mergeSteps(stored: TBuildStep[], streamed: TBuildStep[]): TBuildStep[] {
  if (!streamed.length) return stored;
  const have = new Set(stored.map((s) => s.index));
  return [...stored, ...streamed.filter((s) => !have.has(s.index))].sort((a, b) => a.index - b.index);
}

export function usePublishes(id: string, live: boolean) {
  return useQuery({
    queryKey: queryKeys.publishes(id),
    queryFn: ({ signal }) => apiFetch<{ publishes: TPublish[] }>(`/builds/${encodeURIComponent(id)}/publishes`, { signal }),
    // Publishing follows the build: keep looking for a while after it ended.
    refetchInterval: livePoll(live),
  });
}

/** Retry or cancel: the API's answer (the build) replaces the cached one at once. */
export function useBuildAction(id: string, action: "retry" | "cancel") {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<TBuild>(`/builds/${encodeURIComponent(id)}/${action}`, { method: "POST" }),
    onSuccess: (build) => {
      client.setQueryData(queryKeys.build(id), build);
      void client.invalidateQueries({ queryKey: queryKeys.allBuilds });
    },
  });
}

/** POST /api/v1/builds: a build of a branch, tag or commit by hand (write scope); the lists refetch. */
export function useRunBuild() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TCreateBuildBody) => apiFetch<TBuild>("/builds", { method: "POST", body }),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.allBuilds }),
  });
}

export function useSessionQuery() {
  return useQuery({
    queryKey: queryKeys.session,
    queryFn: ({ signal }) => apiFetch<TSession>("/session", { signal }),
    retry: false,
    staleTime: 60_000,
  });
}

/** GET /api/v1/queues: jobs waiting, active, delayed and failed per queue. */
export function useQueues() {
  return useQuery({
    queryKey: queryKeys.queues,
    queryFn: ({ signal }) => apiFetch<TQueueCounts>("/queues", { signal }),
    refetchInterval: livePoll(),
  });
}

/** GET /api/v1/workers: live worker processes by host, from their heartbeats. */
export function useWorkers() {
  return useQuery({
    queryKey: queryKeys.workers,
    queryFn: ({ signal }) => apiFetch<TWorkerList>("/workers", { signal }),
    refetchInterval: livePoll(),
  });
}
