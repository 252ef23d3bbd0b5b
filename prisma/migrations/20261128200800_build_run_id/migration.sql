-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "run_id" UUID;
