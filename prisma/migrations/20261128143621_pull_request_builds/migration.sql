-- AlterEnum
ALTER TYPE "ref_type" ADD VALUE 'pull_request';

-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "base_ref" TEXT,
ADD COLUMN     "from_fork" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "head_repository" TEXT,
ADD COLUMN     "pull_request" INTEGER;
