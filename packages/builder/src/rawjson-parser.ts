/**
 * Parses `docker buildx build --progress=rawjson` output (stderr): a stream of JSON objects,
 * each a BuildKit SolveStatus `{ vertexes?, statuses?, logs?, warnings? }`. buildx 0.13
 * pretty-prints them over many lines, each object closing with a `}` alone on a line; newer
 * versions may print one object per line. Both are handled; anything that is not JSON (a
 * plain error message from buildx itself) is passed on as text.
 */

export interface RawVertex {
  digest: string;
  name?: string;
  inputs?: string[];
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

interface RawLog {
  vertex: string;
  /** 1 stdout, 2 stderr */
  stream?: number;
  /** base64 */
  data: string;
  timestamp?: string;
}

interface RawWarning {
  vertex?: string;
  short?: string;
  detail?: string[];
}

export interface SolveStatus {
  vertexes?: RawVertex[];
  logs?: RawLog[];
  warnings?: RawWarning[];
}

export interface RawjsonHandlers {
  onStatus: (status: SolveStatus) => void;
  /** a line of non-JSON output (buildx's own messages, e.g. "ERROR: ...") */
  onText: (line: string) => void;
}

export class RawjsonParser {
  private pending = "";
  private object: string[] = [];

  constructor(private readonly handlers: RawjsonHandlers) {}

  /** Feed a chunk of stderr (any split). */
  push(chunk: string): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf("\n")) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.line(line);
    }
  }

  /** Flush at end of stream. */
  end(): void {
    if (this.pending) this.line(this.pending);
    this.pending = "";
    if (this.object.length) {
      for (const l of this.object) this.handlers.onText(l);
      this.object = [];
    }
  }

  private line(line: string): void {
    if (this.object.length === 0) {
      if (line.startsWith("{")) {
        // one object per line?
        if (line.endsWith("}") && this.tryEmit(line)) return;
        this.object.push(line);
        return;
      }
      if (line.trim()) this.handlers.onText(line);
      return;
    }
    this.object.push(line);
    if (line === "}") {
      const text = this.object.join("\n");
      const lines = this.object;
      this.object = [];
      if (!this.tryEmit(text)) for (const l of lines) this.handlers.onText(l);
    }
  }

  private tryEmit(text: string): boolean {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof parsed !== "object" || parsed === null) return false;
    this.handlers.onStatus(parsed as SolveStatus);
    return true;
  }
}
