/**
 * The environment that makes git send `token` to the farm's git host, and nowhere else.
 *
 * How the token travels: as `Authorization: Basic base64(x-access-token:<token>)` (how GitHub
 * takes installation tokens and PATs over https) in git's `http.<base>/.extraHeader`, set
 * through git's environment (GIT_CONFIG_COUNT / GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n, added
 * after any the operator set), so it is never written to disk, into a URL, into an argument
 * list or into a log. git's trace output (GIT_TRACE_CURL) redacts Authorization headers.
 *
 * Where it can go:
 * - `http.<url>.*` settings apply only to URLs under `<gitBaseUrl>/` (same scheme, host and
 *   port; git matches them itself), so a URL rewritten elsewhere (`url.<x>.insteadOf`) gets no
 *   header; the git:// and ssh transports never send HTTP headers.
 * - Redirects: git's default (`http.followRedirects=initial`) follows a redirect of the first
 *   request and then sends every later request, header included, to the new host (measured:
 *   a 302 to another port received the token on its info/refs and upload-pack requests). So
 *   with a token `http.followRedirects=false`: a redirect fails the fetch instead.
 *   (tests: packages/builder/test/checkout-auth.test.ts)
 */
export function gitAuthEnv(env: NodeJS.ProcessEnv, gitBaseUrl: string, token: string): NodeJS.ProcessEnv {
  const base = `${gitBaseUrl.replace(/\/+$/, "")}/`;
  const header = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
  const entries: [string, string][] = [
    [`http.${base}.extraHeader`, header],
    ["http.followRedirects", "false"],
  ];
  const start = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  const out: NodeJS.ProcessEnv = { ...env, GIT_CONFIG_COUNT: String(start + entries.length) };
  entries.forEach(([key, value], i) => {
    out[`GIT_CONFIG_KEY_${start + i}`] = key;
    out[`GIT_CONFIG_VALUE_${start + i}`] = value;
  });
  return out;
}
