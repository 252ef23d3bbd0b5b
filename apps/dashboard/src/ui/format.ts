/** 0.4s, 12s, 3m 05s, 1h 02m: short, fixed-width-ish durations for tables. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** "just now", "5 min ago", "3 h ago", else the date. */
export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const ms = now - new Date(iso).getTime();
  if (ms < 45_000) return "just now";
  if (ms < 3600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3600_000)} h ago`;
  return new Date(iso).toLocaleDateString(undefined, {
    month: "short",
    day: "numeric",
    year: ms > 300 * 86_400_000 ? "numeric" : undefined,
  });
}

const span = (from: string | null, to: string | null, now: number) =>
  from ? (to ? new Date(to).getTime() : now) - new Date(from).getTime() : null;

/** Time from queued to started (still growing while queued). */
export const queueWaitMs = (b: { queuedAt: string; startedAt: string | null; status: string }, now = Date.now()) =>
  b.startedAt ? span(b.queuedAt, b.startedAt, now) : b.status === "queued" ? span(b.queuedAt, null, now) : null;

/** Build duration (still growing while running). */
export const buildDurationMs = (
  b: { startedAt: string | null; finishedAt: string | null; durationMs: number | null; status: string },
  now = Date.now(),
) => b.durationMs ?? (b.status === "running" ? span(b.startedAt, null, now) : b.finishedAt ? span(b.startedAt, b.finishedAt, now) : null);

export const shortSha = (sha: string) => sha.slice(0, 7);
export const firstLine = (text: string | null) => (text ?? "").split("\n")[0] ?? "";
