import { formatBytes } from "./format-bytes";

/** The longest log line kept, in UTF-8 bytes; longer lines are cut (GitLab's runner and
 * BuildKit's plain progress cut single lines too rather than hold them whole). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * `line` when it fits in `maxBytes` UTF-8 bytes, else its first `maxBytes` bytes (never half
 * a character) and a visible suffix saying it was cut.
 */
export function cutLine(line: string, maxBytes = MAX_LINE_BYTES): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short lines skip the byte count.
  if (line.length * 3 <= maxBytes || Buffer.byteLength(line) <= maxBytes) return line;
  const bytes = Buffer.from(line);
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // a continuation byte: back up to the character's start
  return `${bytes.toString("utf8", 0, end)} [slipway: line cut at ${formatBytes(maxBytes)}]`;
}
