const KiB = 1024;
const MiB = 1024 * KiB;

/** 67108864 -> "64 MiB", 65536 -> "64 KiB", 1000 -> "1000 bytes" (sizes in log lines). */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}
