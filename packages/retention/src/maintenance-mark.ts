import type { Db } from "@slipway/db";

/** How far the task `name` has got (maintenance_marks), or undefined before its first run. */
export async function readMark(db: Db, name: string): Promise<Date | undefined> {
  const rows = await db.$queryRaw<{ mark: Date }[]>`SELECT mark FROM maintenance_marks WHERE name = ${name}`;
  return rows[0]?.mark;
}

/** Moves the task's mark to `at`, never back (two runs at once leave the later mark). */
export async function saveMark(db: Db, name: string, at: Date): Promise<void> {
  await db.$executeRaw`
    INSERT INTO maintenance_marks (name, mark) VALUES (${name}, ${at})
    ON CONFLICT (name) DO UPDATE SET mark = GREATEST(maintenance_marks.mark, EXCLUDED.mark)`;
}
