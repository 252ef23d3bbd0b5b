/**
 * The smallest UUID a UUIDv7 made at `ms` (Unix milliseconds) can be: its first 48 bits are
 * the time, and PostgreSQL orders uuids bytewise, so `id < uuidV7Floor(t)` selects exactly the
 * v7 ids made before t, as a primary-key range.
 */
export function uuidV7Floor(ms: number): string {
  const h = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0").slice(-12);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-0000-0000-000000000000`;
}

/** The time (Unix ms) a UUIDv7 was made at. */
export function uuidV7Ms(id: string): number {
  return parseInt(id.replace(/-/g, "").slice(0, 12), 16);
}
