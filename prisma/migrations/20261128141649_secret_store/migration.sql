-- CreateEnum
CREATE TYPE "secret_kind" AS ENUM ('registry', 'github', 'build');

-- CreateTable
CREATE TABLE "secrets" (
    "id" UUID NOT NULL,
    "kind" "secret_kind" NOT NULL,
    "name" TEXT NOT NULL,
    "username" TEXT,
    "repositories" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "sealed" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "secrets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "secrets_kind_name_key" ON "secrets"("kind", "name");
