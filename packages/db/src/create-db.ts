import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;

export interface CreateDbOptions {
  /** PostgreSQL connection string */
  databaseUrl: string;
  /** pool size per process @defaultValue 10 */
  poolSize?: number;
}

/** The Prisma client (driver adapter: no native engine at run time). */
export function createDb(opts: CreateDbOptions): Db {
  const adapter = new PrismaPg({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
  return new PrismaClient({ adapter });
}

/** True when `err` is Prisma's unique-constraint violation (P2002). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}
