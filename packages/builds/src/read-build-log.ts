import type { TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";
import { resolveAttempt } from "./resolve-attempt";

/** The stored log of one attempt (default: the latest) as text, one line per line. */
export async function readBuildLog(db: Db, id: string, reach: TRepositoryReach, attempt?: number): Promise<string> {
  const build = await getBuild(db, id, reach);
  const n = resolveAttempt(build.attempt, attempt);
  const chunks = await db.buildLogChunk.findMany({ where: { buildId: id, attempt: n }, orderBy: { seq: "asc" }, select: { content: true } });
  return chunks.length ? `${chunks.map((c) => c.content).join("\n")}\n` : "";
}
