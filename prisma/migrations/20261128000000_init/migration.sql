-- CreateEnum
CREATE TYPE "delivery_outcome" AS ENUM ('build_queued', 'ping', 'ignored');

-- CreateEnum
CREATE TYPE "build_status" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "build_trigger" AS ENUM ('push', 'retry', 'manual', 'pull_request');

-- CreateEnum
CREATE TYPE "ref_type" AS ENUM ('branch', 'tag');

-- CreateEnum
CREATE TYPE "failure_class" AS ENUM ('user', 'infrastructure');

-- CreateEnum
CREATE TYPE "publish_status" AS ENUM ('pending', 'pushed', 'failed');

-- CreateTable
CREATE TABLE "repositories" (
    "id" UUID NOT NULL,
    "github_id" BIGINT NOT NULL,
    "full_name" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clone_url" TEXT NOT NULL,
    "html_url" TEXT,
    "default_branch" TEXT,
    "private" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "repositories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "github_delivery" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "action" TEXT,
    "hook_id" TEXT,
    "repository_id" UUID,
    "outcome" "delivery_outcome" NOT NULL,
    "reason" TEXT,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "builds" (
    "id" UUID NOT NULL,
    "repository_id" UUID NOT NULL,
    "delivery_id" UUID,
    "status" "build_status" NOT NULL DEFAULT 'queued',
    "trigger" "build_trigger" NOT NULL,
    "ref" TEXT NOT NULL,
    "ref_type" "ref_type" NOT NULL,
    "ref_name" TEXT NOT NULL,
    "sha" CHAR(40) NOT NULL,
    "before_sha" CHAR(40),
    "pusher" TEXT,
    "commit_message" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "config_hash" TEXT,
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
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "builds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "build_steps" (
    "id" UUID NOT NULL,
    "build_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "vertex_digest" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "cached" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,

    CONSTRAINT "build_steps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "build_log_chunks" (
    "id" BIGSERIAL NOT NULL,
    "build_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "first_line" INTEGER NOT NULL,
    "line_count" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "build_log_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "publishes" (
    "id" UUID NOT NULL,
    "build_id" UUID NOT NULL,
    "target" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "status" "publish_status" NOT NULL DEFAULT 'pending',
    "digest" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "publishes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_messages" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatched_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "outbox_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "repositories_github_id_key" ON "repositories"("github_id");

-- CreateIndex
CREATE UNIQUE INDEX "repositories_full_name_key" ON "repositories"("full_name");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_github_delivery_key" ON "webhook_deliveries"("github_delivery");

-- CreateIndex
CREATE INDEX "webhook_deliveries_repository_id_received_at_idx" ON "webhook_deliveries"("repository_id", "received_at");

-- CreateIndex
CREATE INDEX "builds_repository_id_created_at_id_idx" ON "builds"("repository_id", "created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "builds_status_created_at_idx" ON "builds"("status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "builds_created_at_id_idx" ON "builds"("created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "build_steps_build_id_attempt_index_idx" ON "build_steps"("build_id", "attempt", "index");

-- CreateIndex
CREATE UNIQUE INDEX "build_steps_build_id_attempt_vertex_digest_key" ON "build_steps"("build_id", "attempt", "vertex_digest");

-- CreateIndex
CREATE UNIQUE INDEX "build_log_chunks_build_id_attempt_seq_key" ON "build_log_chunks"("build_id", "attempt", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "publishes_build_id_target_tag_key" ON "publishes"("build_id", "target", "tag");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "outbox_messages_dispatched_at_available_at_id_idx" ON "outbox_messages"("dispatched_at", "available_at", "id");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_repository_id_fkey" FOREIGN KEY ("repository_id") REFERENCES "repositories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "builds" ADD CONSTRAINT "builds_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_steps" ADD CONSTRAINT "build_steps_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "build_log_chunks" ADD CONSTRAINT "build_log_chunks_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "publishes" ADD CONSTRAINT "publishes_build_id_fkey" FOREIGN KEY ("build_id") REFERENCES "builds"("id") ON DELETE CASCADE ON UPDATE CASCADE;
