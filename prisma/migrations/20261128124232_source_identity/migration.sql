/*
  Warnings:

  - You are about to drop the column `clone_url` on the `repositories` table. All the data in the column will be lost.
  - You are about to drop the column `html_url` on the `repositories` table. All the data in the column will be lost.
  - A unique constraint covering the columns `[repository_id,ref,before_sha,sha]` on the table `builds` will be added. If there are existing duplicate values, this will fail.

*/
-- AlterEnum
ALTER TYPE "delivery_outcome" ADD VALUE 'refused';

-- AlterTable
ALTER TABLE "repositories" DROP COLUMN "clone_url",
DROP COLUMN "html_url";

-- Replays stored before this index existed: the later copies keep their build but give up the
-- push identity (before_sha), so the index can be made.
UPDATE "builds" b SET "before_sha" = NULL
WHERE EXISTS (SELECT 1 FROM "builds" o WHERE o."repository_id" = b."repository_id" AND o."ref" = b."ref"
  AND o."before_sha" = b."before_sha" AND o."sha" = b."sha" AND o."id" < b."id");

-- CreateIndex
CREATE UNIQUE INDEX "builds_push_identity_key" ON "builds"("repository_id", "ref", "before_sha", "sha");
