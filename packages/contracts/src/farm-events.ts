import { z } from "zod";

const base = { buildId: z.string(), repository: z.string(), attempt: z.number() };

/** What happens to builds, as GET /api/v1/events streams it (one SSE event per entry). */
export const ZFarmEventData = z.discriminatedUnion("type", [
  z.object({ type: z.literal("build.queued"), ...base, trigger: z.string(), ref: z.string(), sha: z.string() }),
  z.object({ type: z.literal("build.started"), ...base, workerId: z.string(), host: z.string() }),
  z.object({
    type: z.literal("build.step"),
    ...base,
    index: z.number(),
    name: z.string(),
    cached: z.boolean(),
    durationMs: z.number().nullable(),
    error: z.string().nullable(),
  }),
  z.object({
    type: z.literal("build.finished"),
    ...base,
    status: z.enum(["succeeded", "failed", "cancelled", "queued"]),
    durationMs: z.number().nullable(),
    cachedSteps: z.number().nullable(),
    totalSteps: z.number().nullable(),
    error: z.string().nullable(),
  }),
  z.object({
    type: z.literal("build.published"),
    ...base,
    targets: z.array(
      z.object({ image: z.string(), tags: z.array(z.string()), digest: z.string().nullable(), error: z.string().nullable() }),
    ),
  }),
]);
export type TFarmEventData = z.infer<typeof ZFarmEventData>;

/** One event as streamed: its id (resume after it with Last-Event-ID) and when it happened. */
export type TFarmEvent = TFarmEventData & { id: string; at: string };
