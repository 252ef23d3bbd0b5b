-- The reconciler looks for publishes left pending (packages/maintenance): an index, not a read
-- of every publish row each pass.
-- CreateIndex
CREATE INDEX "publishes_status_created_at_idx" ON "publishes"("status", "created_at");
