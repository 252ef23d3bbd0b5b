/**
 * A URL with nothing in it but scheme, host, port and path: no credentials (which would end up
 * in logs and process lists), no query, no fragment. `http` (default): http or https only;
 * `any`: any plain scheme (git's https, ssh, git).
 */
export function isBareUrl(v: string, schemes: "http" | "any" = "http"): boolean {
  try {
    const u = new URL(v);
    const scheme = schemes === "http" ? u.protocol === "https:" || u.protocol === "http:" : /^[a-z]+:$/.test(u.protocol);
    return scheme && !u.username && !u.password && !u.search && !u.hash;
  } catch {
    return false;
  }
}
