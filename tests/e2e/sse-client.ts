export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
  /** when the event arrived */
  at: number;
}

/** Reads a text/event-stream response to its end (or until `stop` says so), parsing events. */
export async function readSse(res: Response, stop: (events: SseEvent[]) => boolean = () => false): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let sep: number;
    while ((sep = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      const e: SseEvent = { event: "message", id: undefined, data: "", at: Date.now() };
      let isEvent = false;
      for (const line of block.split("\n")) {
        if (line.startsWith(":") || line.startsWith("retry:")) continue;
        const [field, ...rest] = line.split(":");
        const v = rest.join(":").replace(/^ /, "");
        if (field === "event") e.event = v;
        else if (field === "id") e.id = v;
        else if (field === "data") e.data = e.data ? `${e.data}\n${v}` : v;
        isEvent = true;
      }
      if (isEvent) events.push(e);
      if (stop(events)) {
        await reader.cancel();
        return events;
      }
    }
  }
  return events;
}
