import { createHash } from "node:crypto";
import type { Db } from "@slipway/db";
import type { Logger } from "pino";
import { describeCheckRun, describeCommitStatus, REPORT_NAME } from "./describe-build";
import type { GithubClient } from "./github-client";
import { loadReportState } from "./load-report-state";

export interface ReportDeps {
  db: Db;
  github: GithubClient;
  logger: Logger;
  /** SLIPWAY_PUBLIC_URL: links to <url>/builds/<id>; unset: no links */
  publicUrl: string | undefined;
}

export type SyncResult = "reported" | "unchanged" | "missing";

/**
 * Makes GitHub show the build as the database holds it now: the check run (App; created once
 * and its id stored on the build, so every attempt updates the same one) or a commit status
 * (token). Whatever event asked for it, the current state is what is sent, so jobs that arrive
 * late, out of order or twice never move GitHub backwards; a report equal to the last one
 * GitHub accepted is not sent again.
 *
 * Concurrency: reports of one build are serialised by a transaction-scoped advisory lock held
 * while reading the state, calling GitHub and storing the result, so two reporters can neither
 * create two check runs nor overwrite a newer state with an older one. The lock holds one
 * database connection for at most the GitHub calls' time limits.
 */
export async function syncBuildReport(deps: ReportDeps, buildId: string): Promise<SyncResult> {
  return deps.db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`slipway:report:${buildId}`}, 0))`;
      const loaded = await loadReportState(tx, buildId, deps.publicUrl);
      if (!loaded) return "missing";
      const { state, fullName, sha } = loaded;
      if (deps.github.mode === "app") {
        const fields = describeCheckRun(state);
        const hash = digest({ mode: "app", fields });
        if (loaded.checkRunId !== null && hash === loaded.reportHash) return "unchanged";
        let id = loaded.checkRunId === null ? null : Number(loaded.checkRunId);
        if (id === null) id = await deps.github.createCheckRun(fullName, sha, REPORT_NAME, fields);
        else await deps.github.updateCheckRun(fullName, id, fields);
        await tx.build.update({ where: { id: buildId }, data: { githubCheckRunId: BigInt(id), githubReportHash: hash } });
        deps.logger.debug({ buildId, checkRunId: id, status: fields.status, conclusion: fields.conclusion }, "check run reported");
      } else {
        const fields = describeCommitStatus(state);
        const hash = digest({ mode: "token", fields });
        if (hash === loaded.reportHash) return "unchanged";
        await deps.github.createCommitStatus(fullName, sha, fields);
        await tx.build.update({ where: { id: buildId }, data: { githubReportHash: hash } });
        deps.logger.debug({ buildId, state: fields.state }, "commit status reported");
      }
      return "reported";
    },
    // Two GitHub calls of at most 20 s each (a token request and the report), plus the wait
    // for another reporter of the same build.
    { timeout: 60_000, maxWait: 10_000 },
  );
}

const digest = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");
