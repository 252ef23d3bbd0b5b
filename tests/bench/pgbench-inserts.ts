// The database's own limit for ingest: `pgbench` committing, one transaction per delivery,
// the rows one push delivery stores (packages/ingest/src/store-delivery.ts): the repository
// upsert, the delivery with its payload, the build, its first attempt and the outbox row;
// same PostgreSQL, same database, same client count as the webhook load.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { OUTBOX_BUILD_ENQUEUE } from "@slipway/contracts";
import { branchPushExample } from "@slipway/testing";

/**
 * "upsert": every delivery rewrites its repository row (INSERT ... ON CONFLICT DO UPDATE), as
 * main's ingest does, so concurrent deliveries of one repository queue on that row's lock;
 * "insert-only": the repository row is only inserted when missing (ON CONFLICT DO NOTHING,
 * no row lock), then the same four inserts.
 */
export type PgbenchMode = "upsert" | "insert-only";

/** hook_id of the deliveries pgbench stores: the benchmark tells them from the webhook's. */
export const PGBENCH_HOOK_ID = "pgbench";

export interface PgbenchResult {
  mode: PgbenchMode;
  clients: number;
  seconds: number;
  tps: number;
  latencyAvgMs: number;
}

/** A time-ordered id like Prisma's uuid(7) (PostgreSQL 15 has no uuidv7()): ms clock, version 7, variant 8, random. */
const UUID7 =
  "(lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid";
const SHA = "(md5(random()::text) || substr(md5(random()::text), 1, 8))";

function pgbenchBinary(): string {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root)
    ? readdirSync(root)
        .sort((a, b) => Number(b) - Number(a))
        .find((v) => existsSync(join(root, v, "bin", "pgbench")))
    : undefined;
  if (!version) throw new Error("pgbench not found under /usr/lib/postgresql/*/bin (package postgresql-contrib or postgresql-<version>)");
  return join(root, version, "bin", "pgbench");
}

/** The script. Its outbox rows are written already dispatched (the same row, one value set):
 * the farm's relays must not enqueue pgbench's builds. pgbench reads `:name` as a variable even inside a literal, so no ':' in the
 * payload may be followed by a name character (a space is put after those: same size, same shape). */
function script(mode: PgbenchMode): string {
  const payload = branchPushExample();
  const repo = payload.repository;
  const json = JSON.stringify(payload)
    .replace(/:(?=[A-Za-z0-9_])/g, ": ")
    .replaceAll("'", "''");
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const insertRepo = `INSERT INTO repositories (id, github_id, full_name, owner, name, default_branch, private, updated_at)
  VALUES (${UUID7}, ${repo.id}, ${q(repo.full_name)}, ${q(repo.owner.login)}, ${q(repo.name)}, ${q(repo.default_branch)}, false, now())`;
  // The upsert as an UPDATE, then an INSERT only when no row was there: the same row lock and
  // write as INSERT ... ON CONFLICT (github_id) DO UPDATE, which under 64 clients now and then
  // fails on the other unique key (full_name) and so aborts a pgbench client.
  const repository =
    mode === "upsert"
      ? `WITH up AS (UPDATE repositories SET full_name = ${q(repo.full_name)}, owner = ${q(repo.owner.login)}, name = ${q(repo.name)},
      default_branch = ${q(repo.default_branch)}, private = false, updated_at = now() WHERE github_id = ${repo.id} RETURNING id),
    ins AS (${insertRepo.replace("VALUES (", "SELECT ").replace(/\)$/, "")} WHERE NOT EXISTS (SELECT 1 FROM up) ON CONFLICT DO NOTHING RETURNING id)
  SELECT id AS repo_id FROM up UNION ALL SELECT id FROM ins \\gset`
      : `WITH ins AS (${insertRepo} ON CONFLICT DO NOTHING RETURNING id)
  SELECT id AS repo_id FROM ins UNION ALL SELECT id FROM repositories WHERE github_id = ${repo.id} LIMIT 1 \\gset`;
  return `BEGIN;
${repository}
INSERT INTO webhook_deliveries (id, github_delivery, event, action, hook_id, repository_id, outcome, reason, payload)
  VALUES (${UUID7}, gen_random_uuid()::text, 'push', NULL, ${q(PGBENCH_HOOK_ID)}, :repo_id, 'build_queued', NULL, '${json}'::jsonb)
  RETURNING id AS delivery_id \\gset
INSERT INTO builds (id, repository_id, delivery_id, trigger, ref, ref_type, ref_name, sha, before_sha, pusher, commit_message, updated_at)
  VALUES (${UUID7}, :repo_id, :delivery_id, 'push', ${q(payload.ref)}, 'branch', ${q(payload.ref.slice(11))}, ${SHA}, ${SHA}, ${q(payload.pusher.name)}, ${q(payload.head_commit?.message ?? "")}, now())
  RETURNING id AS build_id \\gset
INSERT INTO build_attempts (id, build_id, attempt, trigger) VALUES (${UUID7}, :build_id, 1, 'push');
INSERT INTO outbox_messages (topic, payload, dispatched_at) VALUES (${q(OUTBOX_BUILD_ENQUEUE)}, jsonb_build_object('buildId', :build_id::text, 'attempt', 1), now());
END;
`;
}

/** Runs pgbench (prepared statements: the database's best case) for `seconds` against `databaseUrl`. */
export async function runPgbenchInserts(
  databaseUrl: string,
  o: { mode: PgbenchMode; clients: number; seconds: number },
): Promise<PgbenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-pgbench-"));
  const file = join(dir, "delivery.sql");
  writeFileSync(file, script(o.mode));
  const u = new URL(databaseUrl);
  try {
    // The password goes through the environment, never the argument list.
    const { stdout } = await promisify(execFile)(
      pgbenchBinary(),
      [
        "-n",
        "-M",
        "prepared",
        "-c",
        String(o.clients),
        "-j",
        "2",
        "-T",
        String(o.seconds),
        "-f",
        file,
        "-h",
        u.hostname,
        "-p",
        u.port || "5432",
        "-U",
        decodeURIComponent(u.username),
        u.pathname.slice(1),
      ],
      { env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) }, maxBuffer: 16 * 1024 * 1024 },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    const lat = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
    if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return { mode: o.mode, clients: o.clients, seconds: o.seconds, tps: Number(tps), latencyAvgMs: Number(lat ?? Number.NaN) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
