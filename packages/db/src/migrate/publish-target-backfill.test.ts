// The publish_target_claims migration on a database that already has publishes: every image
// pushed before is claimed by the repository that pushed there first, under the same
// canonical name the publisher claims at run time.
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { deployMigrations } from "./index";

const ADMIN_URL = process.env["SLIPWAY_TEST_ADMIN_DATABASE_URL"] ?? "";
if (!ADMIN_URL) throw new Error("SLIPWAY_TEST_ADMIN_DATABASE_URL is not set: run tests through `npm test`");
const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../..");
const SCHEMA_PATH = join(REPO_ROOT, "prisma/schema.prisma");
const MIGRATIONS_DIR = join(REPO_ROOT, "prisma/migrations");
const CLAIMS = "20261128151000_publish_target_claims";

const name = `slipway_backfill_test_${randomBytes(4).toString("hex")}`;
const url = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
})();
let before = "";

async function sql<T extends pg.QueryResultRow>(target: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (before) await rm(before, { recursive: true, force: true });
});

describe("publish_target_claims backfill", () => {
  it("claims each image already pushed for its first repository, under the canonical name", async () => {
    await sql(ADMIN_URL, `CREATE DATABASE ${name}`);
    // The migrations before this one.
    before = await mkdtemp(join(tmpdir(), "slipway-migrations-"));
    for (const entry of await readdir(MIGRATIONS_DIR))
      if (entry < CLAIMS) await cp(join(MIGRATIONS_DIR, entry), join(before, entry), { recursive: true });
    await deployMigrations({ databaseUrl: url, schemaPath: SCHEMA_PATH, migrationsDir: before });

    const repo = async (id: number, fullName: string) =>
      (
        await sql<{ id: string }>(
          url,
          "INSERT INTO repositories (id, github_id, full_name, owner, name, updated_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, now()) RETURNING id",
          [id, fullName, ...fullName.split("/")],
        )
      )[0]!.id;
    const build = async (repositoryId: string) =>
      (
        await sql<{ id: string }>(
          url,
          "INSERT INTO builds (id, repository_id, trigger, ref, ref_type, ref_name, sha, updated_at) VALUES (gen_random_uuid(), $1, 'push', 'refs/heads/main', 'branch', 'main', $2, now()) RETURNING id",
          [repositoryId, randomBytes(20).toString("hex")],
        )
      )[0]!.id;
    const publish = (buildId: string, target: string, status: string, at: string) =>
      sql(
        url,
        "INSERT INTO publishes (id, build_id, target, tag, status, published_at) VALUES (gen_random_uuid(), $1, $2, 'main', $3::publish_status, $4)",
        [buildId, target, status, at],
      );
    const first = await repo(1, "acme/app");
    const second = await repo(2, "evil/app");
    const [b1, b2] = [await build(first), await build(second)];
    await publish(b2, "ghcr.io/acme/app", "pushed", "2026-02-01T00:00:00Z");
    await publish(b1, "ghcr.io/acme/app", "pushed", "2026-01-01T00:00:00Z");
    await publish(b1, "acme/web", "pushed", "2026-01-01T00:00:00Z");
    await publish(b2, "index.docker.io/acme/web", "pushed", "2026-03-01T00:00:00Z");
    await publish(b2, "registry-1.docker.io/busybox", "pushed", "2026-03-01T00:00:00Z");
    await publish(b1, "127.0.0.1:5001/acme/app", "failed", "2026-01-01T00:00:00Z");
    await publish(b2, "localhost:5001/team/app", "pushed", "2026-01-01T00:00:00Z");

    await deployMigrations({ databaseUrl: url, schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR });
    const claims = await sql<{ image: string; repository_id: string }>(
      url,
      "SELECT image, repository_id FROM publish_targets ORDER BY image",
    );
    expect(claims).toEqual([
      { image: "docker.io/acme/web", repository_id: first },
      { image: "docker.io/library/busybox", repository_id: second },
      { image: "ghcr.io/acme/app", repository_id: first },
      { image: "localhost:5001/team/app", repository_id: second },
    ]);
  });
});
