-- CreateIndex
CREATE INDEX "builds_delivery_id_idx" ON "builds"("delivery_id");
