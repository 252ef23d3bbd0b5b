import type { TPublish, TRepositoryReach } from "@slipway/contracts";
import type { Db } from "@slipway/db";
import { getBuild } from "./get-build";

/** Where a build was published: one row per target and tag, with status, digest or error. */
export async function listBuildPublishes(db: Db, id: string, reach: TRepositoryReach): Promise<{ publishes: TPublish[] }> {
  await getBuild(db, id, reach);
  const rows = await db.publish.findMany({ where: { buildId: id }, orderBy: [{ target: "asc" }, { tag: "asc" }] });
  return {
    publishes: rows.map((p) => ({
      target: p.target,
      tag: p.tag,
      status: p.status,
      digest: p.digest,
      error: p.error,
      publishedAt: p.publishedAt?.toISOString() ?? null,
    })),
  };
}
