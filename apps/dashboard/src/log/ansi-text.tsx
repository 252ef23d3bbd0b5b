import Anser from "anser";
import { memo, type ReactElement } from "react";

/** A line with ANSI colours as spans (text only: React escapes it, no HTML from a log ever), `term` marked. */
export const AnsiText = memo(function AnsiText({ text, term }: { text: string; term: string }) {
  if (!text.includes("\u001b") && !term) return <>{text}</>;
  const parts = text.includes("\u001b")
    ? Anser.ansiToJson(text, { use_classes: true, remove_empty: true })
    : [{ content: text } as Anser.AnserJsonEntry];
  return (
    <>
      {parts.map((p, i) => {
        const cls = [
          p.fg && p.fg !== "ansi-truecolor" ? `${p.fg}-fg` : "",
          p.bg && p.bg !== "ansi-truecolor" ? `${p.bg}-bg` : "",
          ...(p.decorations ?? []).map((d) => `ansi-${d}`),
        ]
          .filter(Boolean)
          .join(" ");
        const style =
          p.fg === "ansi-truecolor" || p.bg === "ansi-truecolor"
            ? {
                ...(p.fg === "ansi-truecolor" ? { color: `rgb(${p.fg_truecolor})` } : {}),
                ...(p.bg === "ansi-truecolor" ? { backgroundColor: `rgb(${p.bg_truecolor})` } : {}),
              }
            : undefined;
        return (
          <span
            // The parts of one line never move or reorder: the index is a stable key here.
            // eslint-disable-next-line @eslint-react/no-array-index-key
            key={i}
            className={cls || undefined}
            style={style}
          >
            {mark(p.content, term)}
          </span>
        );
      })}
    </>
  );
});

function mark(content: string, term: string) {
  if (!term) return content;
  const lower = content.toLowerCase();
  const t = term.toLowerCase();
  const out: (string | ReactElement)[] = [];
  let from = 0;
  for (let at = lower.indexOf(t); at >= 0; at = lower.indexOf(t, from)) {
    if (at > from) out.push(content.slice(from, at));
    out.push(
      <mark key={at} className="rounded-sm bg-amber-200 text-inherit dark:bg-amber-500/40">
        {content.slice(at, at + t.length)}
      </mark>,
    );
    from = at + t.length;
  }
  if (from < content.length) out.push(content.slice(from));
  return out;
}
