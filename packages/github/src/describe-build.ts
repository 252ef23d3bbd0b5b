import type { CheckRunFields, CommitStatusFields } from "./github-client";

/** The check's name and the commit status's context on GitHub. */
export const REPORT_NAME = "slipway";
/** lines of the failed step's output shown on GitHub */
export const LOG_TAIL_LINES = 20;

/** What a report says about a build: read from the database when the report is made. */
export interface BuildReportState {
  buildId: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  attempt: number;
  refName: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  cachedSteps: number | null;
  totalSteps: number | null;
  errorClass: "user" | "infrastructure" | null;
  errorMessage: string | null;
  digest: string | null;
  /** the first step that failed, and the last lines of its output (or of the log) */
  failedStep: { name: string; error: string } | null;
  logTail: string[];
  /** publish targets of the attempt's .slipway.yml; empty: nothing to publish */
  publishTargets: string[];
  /** Publish rows of the build */
  publishes: { target: string; tag: string; status: "pending" | "pushed" | "failed" | "superseded"; error: string | null }[];
  /** <SLIPWAY_PUBLIC_URL>/builds/<id>, or undefined */
  detailsUrl: string | undefined;
}

type Phase = "queued" | "building" | "publishing" | "succeeded" | "publish-failed" | "failed" | "cancelled";

function phaseOf(s: BuildReportState): Phase {
  if (s.status === "queued") return "queued";
  if (s.status === "running") return "building";
  if (s.status === "failed") return "failed";
  if (s.status === "cancelled") return "cancelled";
  if (s.publishes.some((p) => p.status === "failed")) return "publish-failed";
  const done = s.publishTargets.every((t) => {
    const rows = s.publishes.filter((p) => p.target === t);
    return rows.length > 0 && rows.every((p) => p.status === "pushed" || p.status === "superseded");
  });
  return done ? "succeeded" : "publishing";
}

const seconds = (ms: number | null) => (ms === null ? "?" : `${(ms / 1000).toFixed(1)}s`);
const cacheLine = (s: BuildReportState) => (s.totalSteps === null ? null : `${s.cachedSteps ?? 0}/${s.totalSteps} steps cached`);
/** GitHub renders summaries as Markdown: keep what a build printed from becoming markup. */
const code = (v: string) => `\`${v.replace(/`/g, "'").replace(/\s+/g, " ").slice(0, 300)}\``;
const fence = (lines: string[]) => {
  const body = lines.join("\n").replace(/```/g, "'''");
  return `\`\`\`\n${body}\n\`\`\``;
};
const clip = (v: string, max: number) => (v.length <= max ? v : `${v.slice(0, max - 1)}…`);

function publishedTags(s: BuildReportState): string[] {
  return s.publishes.filter((p) => p.status === "pushed").map((p) => `${p.target}:${p.tag}`);
}

/** The check run's status, conclusion, title and Markdown summary for a build's state. */
export function describeCheckRun(s: BuildReportState): CheckRunFields {
  const phase = phaseOf(s);
  const base = { external_id: s.buildId, ...(s.detailsUrl ? { details_url: s.detailsUrl } : {}) };
  const attempt = s.attempt > 1 ? ` (attempt ${s.attempt})` : "";
  const started = s.startedAt ? { started_at: s.startedAt.toISOString() } : {};
  const completed = { status: "completed" as const, ...started, ...(s.finishedAt ? { completed_at: s.finishedAt.toISOString() } : {}) };
  const stats = [`Built in ${seconds(s.durationMs)}`, cacheLine(s)].filter(Boolean).join(", ");
  const lines: string[] = [];
  switch (phase) {
    case "queued":
      return { ...base, status: "queued", output: { title: `Queued${attempt}`, summary: `Waiting for a build worker${attempt}.` } };
    case "building":
      return {
        ...base,
        status: "in_progress",
        ...started,
        output: { title: `Building${attempt}`, summary: `Building ${code(s.refName)}${attempt}.` },
      };
    case "publishing":
      lines.push(`${stats}.`, "", `Publishing to ${s.publishTargets.map(code).join(", ")}…`);
      return { ...base, status: "in_progress", ...started, output: { title: "Built; publishing", summary: lines.join("\n") } };
    case "succeeded": {
      lines.push(`${stats}.`);
      if (s.digest) lines.push("", `Image digest ${code(s.digest)}`);
      const tags = publishedTags(s);
      if (tags.length) lines.push("", "Published:", ...tags.map((t) => `- ${code(t)}`));
      const superseded = s.publishes.filter((p) => p.status === "superseded");
      if (superseded.length)
        lines.push("", "Not moved (a newer build holds them):", ...superseded.map((p) => `- ${code(`${p.target}:${p.tag}`)}`));
      const title = tags.length ? `Built and published ${tags.length} tag${tags.length === 1 ? "" : "s"}` : "Built";
      return { ...base, ...completed, conclusion: "success", output: { title, summary: lines.join("\n") } };
    }
    case "publish-failed": {
      const failed = s.publishes.filter((p) => p.status === "failed");
      lines.push(
        `${stats}, but publishing failed:`,
        "",
        ...failed.map((p) => `- ${code(`${p.target}:${p.tag}`)}: ${code(p.error ?? "unknown error")}`),
      );
      return { ...base, ...completed, conclusion: "failure", output: { title: "Publish failed", summary: lines.join("\n") } };
    }
    case "failed": {
      const cls = s.errorClass === "infrastructure" ? "infrastructure failure (the farm's, not the build's)" : "the build failed";
      lines.push(`Failed after ${seconds(s.durationMs)}: ${cls}.`, "", code(s.errorMessage ?? "unknown error"));
      if (s.failedStep) lines.push("", `Failed step: ${code(s.failedStep.name)}`);
      const counts = cacheLine(s);
      if (counts) lines.push("", `${counts}.`);
      if (s.logTail.length)
        lines.push(
          "",
          `Last ${s.logTail.length} line${s.logTail.length === 1 ? "" : "s"}${s.failedStep ? " of that step" : " of the log"}:`,
          "",
          fence(s.logTail),
        );
      const title = clip(s.failedStep ? `Failed: ${s.failedStep.name}` : `Failed: ${s.errorMessage ?? "unknown error"}`, 200);
      return { ...base, ...completed, conclusion: "failure", output: { title, summary: clip(lines.join("\n"), 60_000) } };
    }
    case "cancelled":
      return {
        ...base,
        ...completed,
        conclusion: "cancelled",
        output: { title: "Cancelled", summary: `Cancelled${s.durationMs === null ? "" : ` after ${seconds(s.durationMs)}`}.` },
      };
  }
}

/** The commit status for a build's state (token mode): one line, at most 140 characters. */
export function describeCommitStatus(s: BuildReportState): CommitStatusFields {
  const phase = phaseOf(s);
  const base = { context: REPORT_NAME, ...(s.detailsUrl ? { target_url: s.detailsUrl } : {}) };
  const counts = cacheLine(s);
  const stats = `${seconds(s.durationMs)}${counts ? `, ${counts}` : ""}`;
  const tags = publishedTags(s).length;
  const states: Record<Phase, [CommitStatusFields["state"], string]> = {
    queued: ["pending", `Queued${s.attempt > 1 ? ` (attempt ${s.attempt})` : ""}`],
    building: ["pending", "Building"],
    publishing: ["pending", `Built in ${stats}; publishing`],
    succeeded: ["success", `Built in ${stats}${tags ? `; published ${tags} tag${tags === 1 ? "" : "s"}` : ""}`],
    "publish-failed": ["failure", `Built in ${stats}; publishing failed`],
    failed: ["failure", `Failed${s.failedStep ? ` at ${s.failedStep.name}` : ""}: ${s.errorMessage ?? "unknown error"}`],
    cancelled: ["error", "Cancelled"],
  };
  const [state, description] = states[phase];
  return { ...base, state, description: clip(description.replace(/\s+/g, " "), 140) };
}
