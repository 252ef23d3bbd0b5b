-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "github_check_run_id" BIGINT,
ADD COLUMN     "github_report_hash" TEXT;
