-- Cache-aware routing (packages/builder, route-build.ts): whether a build ran on a host that had built its repository.
-- CreateEnum
CREATE TYPE "build_routing" AS ENUM ('affine', 'fallback', 'any');

-- AlterTable
ALTER TABLE "build_attempts" ADD COLUMN     "routing" "build_routing";

-- AlterTable
ALTER TABLE "builds" ADD COLUMN     "routing" "build_routing";
