import { AppError } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";

/** The stored log of one attempt (default: the latest) as text, one line per line. */
export async function readBuildLog(db: Db, id: string, attempt?: number): Promise<string> {
  const build = await getBuild(db, id);
  const n = attempt ?? build.attempt;
  if (!Number.isInteger(n) || n < 1 || n > build.attempt) throw new AppError("bad_request", `attempt must be 1..${build.attempt}`);
  const chunks = await db.buildLogChunk.findMany({ where: { buildId: id, attempt: n }, orderBy: { seq: "asc" }, select: { content: true } });
  return chunks.length ? `${chunks.map((c) => c.content).join("\n")}\n` : "";
}
