import { ZBuildConfig } from "@slipway/contracts";
import type { Prisma } from "@slipway/db";
import { LOG_TAIL_LINES, type BuildReportState } from "./describe-build";

/** The build as the reporter needs it, or null when it no longer exists. */
export async function loadReportState(tx: Prisma.TransactionClient, buildId: string, publicUrl: string | undefined) {
  const build = await tx.build.findUnique({
    where: { id: buildId },
    include: { repository: { select: { fullName: true } }, publishes: { orderBy: [{ target: "asc" }, { tag: "asc" }] } },
  });
  if (!build) return null;
  const attempt = await tx.buildAttempt.findUnique({
    where: { buildId_attempt: { buildId, attempt: build.attempt } },
    select: { config: true },
  });
  const config = ZBuildConfig.safeParse(attempt?.config ?? {});
  const failed = build.status === "failed" ? await failureDetail(tx, buildId, build.attempt) : { failedStep: null, logTail: [] };
  const state: BuildReportState = {
    buildId: build.id,
    status: build.status,
    attempt: build.attempt,
    refName: build.refName,
    startedAt: build.startedAt,
    finishedAt: build.finishedAt,
    durationMs: build.durationMs,
    cachedSteps: build.cachedSteps,
    totalSteps: build.totalSteps,
    errorClass: build.errorClass,
    errorMessage: build.errorMessage,
    digest: build.digest,
    ...failed,
    publishTargets: config.success && attempt?.config ? config.data.publish.map((t) => t.image) : [],
    publishes: build.publishes.map((p) => ({ target: p.target, tag: p.tag, status: p.status, error: p.error })),
    detailsUrl: publicUrl ? `${publicUrl}/builds/${build.id}` : undefined,
  };
  return {
    state,
    fullName: build.repository.fullName,
    sha: build.sha,
    checkRunId: build.githubCheckRunId,
    reportHash: build.githubReportHash,
  };
}

/**
 * The step that failed (BuildKit's first erroring vertex, not counting a missing cache ref,
 * which is normal for a new branch) and the last lines of its output: run-buildx prefixes a
 * step's lines with `#<index + 1> `. Without a failed step (checkout, .slipway.yml), the
 * last lines of the log. Reads the attempt's last few chunks only.
 */
async function failureDetail(
  tx: Prisma.TransactionClient,
  buildId: string,
  attempt: number,
): Promise<Pick<BuildReportState, "failedStep" | "logTail">> {
  const steps = await tx.buildStep.findMany({ where: { buildId, attempt, error: { not: null } }, orderBy: { index: "asc" } });
  const step = steps.find((s) => !(/^importing cache manifest/.test(s.name) && /not found/.test(s.error ?? "")));
  const chunks = await tx.buildLogChunk.findMany({
    where: { buildId, attempt },
    orderBy: { seq: "desc" },
    take: 4,
    select: { content: true },
  });
  const lines = chunks
    .reverse()
    .flatMap((c) => c.content.split("\n"))
    .filter((l) => l.length > 0);
  if (!step) return { failedStep: null, logTail: lines.slice(-LOG_TAIL_LINES) };
  const prefix = `#${step.index + 1} `;
  const own = lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  return { failedStep: { name: step.name, error: step.error ?? "" }, logTail: own.slice(-LOG_TAIL_LINES) };
}
