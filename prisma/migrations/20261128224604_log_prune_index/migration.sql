-- Log retention (pruneLogChunks) walks the builds that finished between its last complete run's
-- cutoff (maintenance_marks) and this run's, through this index: each old build is visited once.
-- CreateIndex
CREATE INDEX "builds_finished_at_id_idx" ON "builds"("finished_at", "id");
