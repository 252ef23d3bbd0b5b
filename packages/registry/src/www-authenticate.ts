/** A parsed `WWW-Authenticate` challenge, e.g. Bearer realm="...",service="...",scope="...". */
export interface AuthChallenge {
  scheme: "basic" | "bearer";
  params: Record<string, string>;
}

/**
 * Parses the first Basic or Bearer challenge. Hand-written because quoted values contain
 * commas (scope="repository:a:pull,push") so a naive split on "," breaks the scope apart.
 * Returns undefined for schemes we cannot answer.
 */
export function parseWwwAuthenticate(header: string | null): AuthChallenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(basic|bearer)\b/i.exec(header);
  if (!match?.[1]) return undefined;
  const scheme = match[1].toLowerCase() as AuthChallenge["scheme"];
  const params: Record<string, string> = {};
  const param = /\s*([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  param.lastIndex = match[0].length;
  for (let m = param.exec(header); m; m = param.exec(header)) {
    const key = m[1]?.toLowerCase();
    if (key === undefined) break;
    params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return { scheme, params };
}
