-- AlterEnum
ALTER TYPE "publish_status" ADD VALUE 'superseded';
