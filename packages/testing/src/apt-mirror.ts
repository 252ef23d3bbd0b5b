import { readFileSync } from "node:fs";

/** The Debian mirror this machine installs from, read from its own apt sources (never written into the repository). */
export function aptMirrorUrl(): string {
  const sources = readFileSync("/etc/apt/sources.list.d/debian.sources", "utf8");
  const uri = /^URIs:\s*(\S+)/m.exec(sources)?.[1];
  if (!uri) throw new Error("no URIs: line in /etc/apt/sources.list.d/debian.sources");
  return uri;
}
