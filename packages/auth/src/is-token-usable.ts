/** A stored token may act: it exists, is not revoked and has not expired (checked on every use, no cache). */
export function isTokenUsable(row: { revokedAt: Date | null; expiresAt: Date | null } | null, now = new Date()): boolean {
  return !!row && !row.revokedAt && !(row.expiresAt && row.expiresAt <= now);
}
