import { whileDatabaseDown, type Db } from "@slipway/db";
import { changedFiles, findEarlierBuild } from "./earlier-build";
import { explainRebuilds } from "./explain-rebuilds";
import type { StepRecord } from "./step-tracker";

/**
 * Sets each rebuilt step's rebuildReason (explainRebuilds against findEarlierBuild) and logs
 * them. Best effort: an explanation that cannot be made never fails the build; the log says so.
 */
export async function explainSteps(
  db: Db,
  build: Parameters<typeof findEarlierBuild>[1] & { sha: string },
  steps: StepRecord[],
  o: {
    buildArgs: Record<string, string>;
    context: string;
    mirrorDir: string;
    env: NodeJS.ProcessEnv;
    line: (s: string) => void;
    /** stops waiting out a PostgreSQL outage */
    signal: AbortSignal;
  },
): Promise<void> {
  try {
    const earlier = await whileDatabaseDown(() => findEarlierBuild(db, build), { forMs: 120_000, signal: o.signal });
    const files = earlier ? await changedFiles(o.mirrorDir, earlier.sha, build.sha, o.context, o.env) : undefined;
    const reasons = explainRebuilds({ steps, earlier, buildArgs: o.buildArgs, context: o.context, changedFiles: files });
    for (const s of steps) s.rebuildReason = reasons.get(s.vertexDigest) ?? null;
    // One line for a first build; else one per step that ran.
    if (!earlier) {
      if (reasons.size) o.line("slipway: no earlier build of this branch or the default branch to compare with: every step ran");
      return;
    }
    if (reasons.size) o.line(`slipway: steps that ran, compared with build ${earlier.id} (${earlier.sha.slice(0, 12)}):`);
    for (const s of steps) if (s.rebuildReason) o.line(`slipway:   ${s.name} -- ${s.rebuildReason}`);
  } catch (err) {
    o.line(`slipway: could not tell why steps were rebuilt: ${(err as Error).message}`);
  }
}
