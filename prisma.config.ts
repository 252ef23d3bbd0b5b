// Prisma CLI config (Prisma 7 keeps the datasource URL here, not in schema.prisma).
// Only `prisma generate` is used through the CLI; migrations run through
// packages/db/src/migrate (WASM schema engine), which needs no engine download.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
