// Where a secret must never appear: helpers that look everywhere a test can see.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { Writable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "@slipway/db";

/** Each token as sent: itself, and inside git's Basic header (base64 of x-access-token:<token>). */
export function tokenForms(tokens: readonly string[]): string[] {
  return tokens.flatMap((t) => [t, Buffer.from(`x-access-token:${t}`).toString("base64")]);
}

/** Every table of the database, each row as JSON text, that contains one of `needles`. */
export async function tablesContaining(db: Db, needles: readonly string[]): Promise<string[]> {
  const tables = await db.$queryRaw<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
  const found: string[] = [];
  for (const { tablename } of tables) {
    const rows = await db.$queryRawUnsafe<{ t: string }[]>(`SELECT row_to_json(x)::text AS t FROM "${tablename.replace(/"/g, "")}" x`);
    if (rows.some((r) => needles.some((n) => r.t.includes(n)))) found.push(tablename);
  }
  if (tables.length < 5) throw new Error(`only ${tables.length} tables: not the farm's database`);
  return found;
}

/** A pino destination keeping every line. */
export function captureLines(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    }),
    text: () => chunks.join(""),
  };
}

/**
 * Process argument lists, two ways: a `git` shim first on PATH that records every argv the
 * worker runs git with (deterministic), and sampling /proc/<pid>/cmdline of every process
 * every few milliseconds (catches other programs, and git's own children, when they live long
 * enough). stop() returns both.
 */
export function watchArgumentLists(): { path: string; stop: () => { gitCalls: string[]; sampled: string[] } } {
  const dir = mkdtempSync(join(tmpdir(), "slipway-argv-"));
  const log = join(dir, "git-argv.log");
  writeFileSync(log, "");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  writeFileSync(
    join(dir, "git"),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\t' "$a"; done >> '${log}'\necho >> '${log}'\nexec '${realGit}' "$@"\n`,
  );
  chmodSync(join(dir, "git"), 0o755);
  const sampled = new Set<string>();
  const timer = setInterval(() => {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
        if (cmd) sampled.add(cmd);
      } catch {
        // the process ended
      }
    }
  }, 5);
  return {
    path: `${dir}:${process.env.PATH}`,
    stop: () => {
      clearInterval(timer);
      return { gitCalls: readFileSync(log, "utf8").split("\n").filter(Boolean), sampled: [...sampled] };
    },
  };
}
