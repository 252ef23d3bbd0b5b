-- Why a build step ran instead of coming from the cache (packages/builder, explain-rebuilds.ts).
-- AlterTable
ALTER TABLE "build_steps" ADD COLUMN     "rebuild_reason" TEXT;
