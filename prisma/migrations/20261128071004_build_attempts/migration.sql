-- CreateTable
CREATE TABLE "build_attempts" (
    "id" UUID NOT NULL,
    "build_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status" "build_status" NOT NULL DEFAULT 'queued',
    "trigger" "build_trigger" NOT NULL,
    "tries" INTEGER NOT NULL DEFAULT 0,
    "worker_id" TEXT,
    "host" TEXT,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "image_ref" TEXT,
    "digest" TEXT,
    "cached_steps" INTEGER,
    "total_steps" INTEGER,
    "error_class" "failure_class",
    "error_message" TEXT,

    CONSTRAINT "build_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "build_attempts_build_id_attempt_key" ON "build_attempts"("build_id", "attempt");

-- AddForeignKey
ALTER TABLE "build_attempts" ADD CONSTRAINT "build_attempts_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;
