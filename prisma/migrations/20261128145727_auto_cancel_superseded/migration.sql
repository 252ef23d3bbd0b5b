-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "superseded_by_id" UUID;

-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "auto_cancel" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "auto_cancel_default_branch" BOOLEAN NOT NULL DEFAULT false;
