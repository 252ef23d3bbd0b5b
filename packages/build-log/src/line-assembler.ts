import { StringDecoder } from "node:string_decoder";
import { MAX_LINE_BYTES } from "./cut-line";

/**
 * The longest unterminated output kept per stream, in characters (each at least one UTF-8
 * byte). 4 KiB more than the sink keeps of a line: the sink masks secrets before it cuts, so a
 * secret line of at most 4 KiB (the API's limit) that straddles this cut lies wholly in the
 * part the sink drops.
 */
const PARTIAL_MAX = MAX_LINE_BYTES + 4096;

/**
 * Turns a build's output, as BuildKit sends it (log messages of any size per vertex and
 * stream, cut anywhere: inside a line, a secret, a UTF-8 character), into whole lines, so the
 * sink masks each line with every secret whole. A stream printing without newlines (a
 * progress bar, `head -c 1G /dev/zero`) does not grow the buffer: past PARTIAL_MAX its line
 * is emitted (the sink cuts it to MAX_LINE_BYTES) and the rest of it, up to its newline, is
 * dropped.
 */
export class LineAssembler {
  // stream -> unterminated output; `cut`: the line was too long, its rest is dropped
  private readonly partial = new Map<string, { vertex: string; text: string; cut: boolean }>();
  // One decoder per stream: a UTF-8 character can be split across log messages.
  private readonly decoders = new Map<string, StringDecoder>();

  /** `emit(vertex, line)` gets every line, without its newline (and without a trailing \r). */
  constructor(private readonly emit: (vertex: string, line: string) => void) {}

  /** One log message of `vertex`'s output `stream` (1 stdout, 2 stderr). */
  push(vertex: string, stream: number, data: Buffer): void {
    const key = `${vertex}:${stream}`;
    let decoder = this.decoders.get(key);
    if (!decoder) this.decoders.set(key, (decoder = new StringDecoder("utf8")));
    const before = this.partial.get(key);
    let text = (before?.text ?? "") + decoder.write(data);
    let cut = before?.cut ?? false;
    if (cut) {
      // The rest of a line already cut: drop it up to its newline.
      const nl = text.indexOf("\n");
      text = nl < 0 ? "" : text.slice(nl + 1);
      cut = nl < 0;
    }
    const lines = text.split("\n");
    let rest = lines.pop() ?? "";
    for (const line of lines) this.emit(vertex, line.replace(/\r$/, ""));
    if (rest.length > PARTIAL_MAX) {
      this.emit(vertex, rest);
      rest = "";
      cut = true;
    }
    this.partial.set(key, { vertex, text: rest, cut });
  }

  /** Emits what is left unterminated (the end of the build). */
  flush(): void {
    for (const { vertex, text } of this.partial.values()) if (text) this.emit(vertex, text);
    this.partial.clear();
  }
}
