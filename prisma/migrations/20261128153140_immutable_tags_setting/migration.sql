-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "immutable_tags" BOOLEAN NOT NULL DEFAULT true;
