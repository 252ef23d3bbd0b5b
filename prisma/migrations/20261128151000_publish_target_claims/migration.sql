-- CreateTable
CREATE TABLE "publish_targets" (
    "image" TEXT NOT NULL,
    "repository_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "publish_targets_pkey" PRIMARY KEY ("image")
);

-- CreateIndex
CREATE INDEX "publish_targets_repository_id_idx" ON "publish_targets"("repository_id");

-- AddForeignKey
ALTER TABLE "publish_targets" ADD CONSTRAINT "publish_targets_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Backfill: an image already published is claimed by the repository whose pushed tag there is
-- oldest. Targets are stored as .slipway.yml wrote them; the claim is keyed by the canonical
-- registry/repository the publisher computes (lowercase host, Docker Hub's aliases and
-- host-less names as docker.io, one-component Docker Hub names under library/).
INSERT INTO "publish_targets" ("image", "repository_id", "created_at")
SELECT DISTINCT ON (image) image, repository_id, first_at
FROM (
  SELECT CASE WHEN host = 'docker.io' AND position('/' IN path) = 0 THEN 'docker.io/library/' || path ELSE host || '/' || path END AS image,
         repository_id, first_at
  FROM (
    SELECT CASE WHEN h IN ('docker.io', 'index.docker.io', 'registry-1.docker.io') OR NOT (h LIKE '%.%' OR h LIKE '%:%' OR h = 'localhost') THEN 'docker.io' ELSE h END AS host,
           CASE WHEN h LIKE '%.%' OR h LIKE '%:%' OR h = 'localhost' THEN substr(t, length(h) + 2) ELSE t END AS path,
           repository_id, first_at
    FROM (
      SELECT lower(p."target") AS t, split_part(lower(p."target"), '/', 1) AS h, b."repository_id", min(coalesce(p."published_at", p."created_at")) AS first_at
      FROM "publishes" p JOIN "builds" b ON b."id" = p."build_id"
      WHERE p."status" = 'pushed'
      GROUP BY 1, 2, 3
    ) named
  ) split
) canonical
ORDER BY image, first_at
ON CONFLICT DO NOTHING;
