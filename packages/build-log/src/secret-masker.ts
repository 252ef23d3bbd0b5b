/** Shorter pieces are never masked on their own (they would mask ordinary text everywhere). */
const MIN_PIECE = 4;
/** Runs of base64/hex characters at least this long are checked against encoded values. */
const MIN_RUN = 8;
const RUN = /[A-Za-z0-9+/_-]+=*/g;

/**
 * Replaces secret values in build-log lines with `***`. Written here rather than taken from a
 * library: no maintained npm package masks a changing set of values in a line stream; the
 * approach is the one CI runners use (GitHub Actions' SecretMasker, Woodpecker's line writer).
 *
 * What a value is masked as, in any line:
 * - the value itself (trimmed: a shell's `$(cat ...)` drops the trailing newline), and each
 *   line of a multi-line value on its own (the log is line by line, so a PEM key printed
 *   whole arrives as its lines);
 * - the value as `base64`/`base64url` encodes it at any of the three byte alignments (so it is
 *   found inside a longer encoded text too), as hex, JSON-escaped and URL-encoded;
 * - a run of letters, digits and `+/_-=` of at least 8 that is a piece of the value (or of a
 *   line of it) or of its base64/hex encodings: `base64 /run/secrets/x` wraps long values at 76
 *   characters and `fold` at 80, so the lines printed are pieces, none the whole.
 * Matches may overlap (two values, or a value and its encoding): all are merged and each
 * merged span becomes one `***`, so no remnant of one value survives masking another.
 * Pieces shorter than 4 characters are not masked alone (the API refuses such values).
 *
 * Not caught: any other transformation (one character per line, rot13, compression,
 * encryption). Masking keeps honest mistakes out of logs; it cannot stop a Dockerfile that
 * sets out to leak what it mounts.
 */
export class SecretMasker {
  /** exact strings to find, longest first */
  private pieces: string[] = [];
  /** values, their lines and their base64/hex encodings, searched for runs that are pieces of them */
  private encoded: string[] = [];

  constructor(values: readonly string[] = []) {
    this.add(values);
  }

  /** true when there is anything to mask */
  get active(): boolean {
    return this.pieces.length > 0;
  }

  /** Masks these values too, from the next line on. */
  add(values: readonly string[]): void {
    const pieces = new Set(this.pieces);
    const encoded = new Set(this.encoded);
    for (const value of values) {
      for (const v of new Set([value, value.trim()])) {
        if (v.trim().length < MIN_PIECE) continue;
        const forms = [v, ...v.split(/\r?\n/).map((l) => l.trim()), JSON.stringify(v).slice(1, -1), encodeURIComponent(v)];
        const bytes = Buffer.from(v, "utf8");
        const enc = [
          ...alignedBase64(bytes, "base64"),
          ...alignedBase64(bytes, "base64url"),
          bytes.toString("hex"),
          bytes.toString("hex").toUpperCase(),
        ];
        for (const f of [...forms, ...enc]) if (f.length >= MIN_PIECE) pieces.add(f);
        for (const e of [...forms, ...enc]) if (e.length >= MIN_RUN) encoded.add(e);
      }
    }
    this.pieces = [...pieces].sort((a, b) => b.length - a.length);
    this.encoded = [...encoded];
  }

  /** `line` with every secret (and every form above) replaced by `***`. */
  mask(line: string): string {
    if (!this.pieces.length) return line;
    const spans: [number, number][] = [];
    for (const p of this.pieces) {
      for (let i = line.indexOf(p); i >= 0; i = line.indexOf(p, i + 1)) spans.push([i, i + p.length]);
    }
    for (const m of line.matchAll(RUN)) {
      // The last characters of an encoding depend on what follows the value (padding, a
      // newline): a run counts when all but its last two (and its `=`) are a piece. A run
      // that merely contains a value was found above.
      const core = m[0].replace(/=+$/, "").slice(0, -2);
      if (core.length >= MIN_RUN && this.encoded.some((e) => e.length >= core.length && e.includes(core)))
        spans.push([m.index, m.index + m[0].length]);
    }
    if (!spans.length) return line;
    spans.sort((a, b) => a[0] - b[0]);
    let out = "";
    let at = 0;
    let [start, end] = spans[0]!;
    for (const [s, e] of spans.slice(1)) {
      if (s <= end) end = Math.max(end, e);
      else {
        out += `${line.slice(at, start)}***`;
        at = end;
        [start, end] = [s, e];
      }
    }
    return `${out}${line.slice(at, start)}***${line.slice(end)}`;
  }
}

/**
 * The part of `bytes`' encoding that is the same wherever the bytes sit in a longer text: at
 * offset 0, 1 and 2 (mod 3) of the encoded input. Characters mixing bits of what comes before
 * or after are left out (a base64 character holds 6 bits; the value starts at bit 8·offset).
 */
function alignedBase64(bytes: Buffer, encoding: "base64" | "base64url"): string[] {
  return [0, 1, 2].map((offset) => {
    const text = Buffer.concat([Buffer.alloc(offset), bytes]).toString(encoding);
    return text.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
  });
}
