/**
 * A BuildKit source policy (EXPERIMENTAL_BUILDKIT_SOURCE_POLICY, honoured by buildx 0.13) that
 * denies what BuildKit would fetch itself (`ADD <url>`, git sources) from loopback, private and
 * link-local addresses. Those fetches leave from the daemon's network — the host's, not the
 * walled-off bridge RUN steps use — so without it `ADD http://169.254.169.254/...` reads a
 * cloud's instance credentials and `ADD http://10.0.0.5/` any unauthenticated LAN service.
 * Written as WILDCARD rules: REGEX selectors were measured to match nothing on this buildx.
 * Names that resolve to such addresses are not caught here: build hosts belong on a network of
 * their own (SECURITY.md).
 */
export function sourcePolicy(): { rules: { action: "DENY"; selector: { identifier: string; matchType: "WILDCARD" } }[] } {
  const hosts = [
    "127.*",
    "10.*",
    "192.168.*",
    "169.254.*",
    "0.*",
    "localhost*",
    "[*",
    ...Array.from({ length: 16 }, (_, i) => `172.${16 + i}.*`),
  ];
  const identifiers: string[] = [];
  for (const scheme of ["http", "https", "git"]) {
    for (const host of hosts) identifiers.push(`${scheme}://${host}`, `${scheme}://*@${host}`);
  }
  return { rules: identifiers.map((identifier) => ({ action: "DENY", selector: { identifier, matchType: "WILDCARD" } })) };
}
