-- Image retention (packages/retention): when an attempt's image was removed from the internal
-- registry, an index to find the ones not removed yet oldest first, and the marks of maintenance
-- tasks that walk a table in time order.
-- AlterTable
ALTER TABLE "build_attempts" ADD COLUMN     "image_pruned_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "image_pruned_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "maintenance_marks" (
    "name" TEXT NOT NULL,
    "mark" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "maintenance_marks_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "build_attempts_image_pruned_at_finished_at_idx" ON "build_attempts"("image_pruned_at", "finished_at");
