/** A string made into a valid OCI tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
export function sanitizeTag(s: string): string {
  let t = s.replace(/[^A-Za-z0-9_.-]+/g, "-");
  t = t.replace(/^[.-]+/, "");
  if (!t) t = "_";
  if (t.length > 128) t = t.slice(0, 128);
  return t;
}
