-- Coalescing (packages/builder, coalesce.ts): a build records which earlier build's image it
-- reused, and builds are looked up by their identity (config_hash) within a repository.
-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "coalesced_from_id" UUID;

-- CreateIndex
CREATE INDEX "builds_repository_id_config_hash_idx" ON "builds"("repository_id", "config_hash");
