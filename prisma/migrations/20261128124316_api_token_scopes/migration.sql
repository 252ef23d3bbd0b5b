-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN     "repositories" TEXT[] DEFAULT ARRAY[]::TEXT[];
