-- AlterTable
ALTER TABLE "build_attempts" ADD COLUMN     "config" JSONB;
