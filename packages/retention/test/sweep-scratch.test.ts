// sweepScratch on real folders: a dead build's folder goes, a running build's (locked) stays.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockScratch, startWorkerRetention, sweepScratch } from "../src/index";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "slipway-sweep-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A scratch folder as execute-build leaves it: src/ with a file, and a metadata file. */
function scratchFolder(workDir: string, name: string, bytes: number): string {
  const dir = join(workDir, name);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src", "Dockerfile"), "x".repeat(bytes));
  writeFileSync(join(dir, "metadata.json"), "{}");
  return dir;
}

/** What a worker killed mid-build leaves: its folder and its lock, no longer kept fresh. */
function killedWorkersFolder(workDir: string, name: string, bytes: number): string {
  const dir = scratchFolder(workDir, name, bytes);
  mkdirSync(`${dir}.lock`);
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(`${dir}.lock`, old, old);
  return dir;
}

const aged = (dir: string, ms: number) => {
  const at = new Date(Date.now() - ms);
  utimesSync(dir, at, at);
  return dir;
};

describe("sweepScratch", () => {
  it("removes folders no running build holds, keeps a locked one, and counts bytes", async () => {
    const work = join(root, "work");
    const dead = killedWorkersFolder(work, "0190-build-1-aaaa", 1000);
    const live = join(work, "0190-build-1-bbbb");
    const unlock = await lockScratch(live);
    scratchFolder(work, "0190-build-1-bbbb", 500);
    // no lock at all: older than the grace, left before scratch folders were locked
    const unlockedOld = aged(scratchFolder(work, "0190-build-2-cccc", 10), 2 * 86_400_000);
    // no lock and recent: maybe a worker from before scratch locks, still building
    const unlockedNew = scratchFolder(work, "0190-build-3-dddd", 20);
    // only a stale lock: a worker killed between removing its folder and unlocking
    mkdirSync(join(work, "0190-build-4-eeee.lock"));
    aged(join(work, "0190-build-4-eeee.lock"), 10 * 60_000);

    const r = await sweepScratch(work);
    expect(r).toEqual({ removed: 2, bytes: 1000 + 2 + 10 + 2 });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(`${dead}.lock`)).toBe(false);
    expect(existsSync(unlockedOld)).toBe(false);
    expect(existsSync(join(work, "0190-build-4-eeee.lock"))).toBe(false);
    expect(existsSync(join(unlockedNew, "src", "Dockerfile"))).toBe(true);
    expect(existsSync(join(live, "src", "Dockerfile"))).toBe(true);
    expect(await lockfile.check(live, { realpath: false })).toBe(true);

    await unlock();
    expect(await sweepScratch(work)).toEqual({ removed: 0, bytes: 0 });
    expect(await sweepScratch(work, { unlockedGraceMs: 0 })).toEqual({ removed: 2, bytes: 502 + 22 });
    expect(readdirSync(work)).toEqual([]);
  });

  it("answers nothing removed when the folder does not exist yet", async () => {
    expect(await sweepScratch(join(root, "missing"))).toEqual({ removed: 0, bytes: 0 });
  });

  it("runs when a worker starts: a killed worker's folder is gone and one line says so", async () => {
    const cacheDir = join(root, "cache");
    const stale = killedWorkersFolder(join(cacheDir, "work"), "0190-build-9-dddd", 4096);
    const lines: { msg: string; removed?: number; bytes?: number }[] = [];
    const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const stop = await startWorkerRetention(logger, { cacheDir, mirrorsDays: 30 });
    stop();
    expect(existsSync(stale)).toBe(false);
    expect(lines.find((l) => l.msg.startsWith("retention: scratch"))).toMatchObject({ removed: 1, bytes: 4096 + 2 });
    expect(lines.find((l) => l.msg.startsWith("retention: unused git mirrors"))).toMatchObject({ removed: 0, bytes: 0 });
  });
});
