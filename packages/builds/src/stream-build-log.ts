import type { TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";
import { readLogChunks } from "./read-log-chunks";
import { resolveAttempt } from "./resolve-attempt";

/**
 * The stored log of one attempt (default: the latest) as text, one line per line, read from
 * Postgres a page at a time while it is sent. The build (within the caller's reach) and the
 * attempt are checked first: a missing build or bad attempt throws before anything is sent.
 */
export async function streamBuildLog(db: Db, id: string, reach: TRepositoryReach, attempt?: number): Promise<AsyncGenerator<string>> {
  const build = await getBuild(db, id, reach);
  const n = resolveAttempt(build.attempt, attempt);
  return (async function* () {
    for await (const c of readLogChunks(db, id, n)) yield `${c.content}\n`;
  })();
}
