import type { Db } from "@slipway/db";
import type { SecretBox } from "./secret-box";
import { secretAad } from "./secret-store";

/**
 * Re-seals every secret under `next`, in one transaction (all or nothing; rows already under
 * `next` are left, so a run that was interrupted can simply be run again). Returns how many
 * rows were re-sealed. A row that `current` cannot open stops the rotation, naming the row.
 */
export async function rotateSecretKey(db: Db, current: SecretBox, next: SecretBox): Promise<number> {
  return db.$transaction(
    async (tx) => {
      const rows = await tx.secret.findMany({
        where: { keyId: { not: next.keyId } },
        select: { id: true, kind: true, name: true, sealed: true },
      });
      for (const row of rows) {
        const aad = secretAad(row.kind, row.name);
        let value: string;
        try {
          value = current.open(row.sealed, aad);
        } catch (err) {
          throw new Error(`secret ${aad} does not open with the current key: ${(err as Error).message}`, { cause: err });
        }
        await tx.secret.update({ where: { id: row.id }, data: { sealed: next.seal(value, aad), keyId: next.keyId } });
      }
      return rows.length;
    },
    { timeout: 60_000 },
  );
}
