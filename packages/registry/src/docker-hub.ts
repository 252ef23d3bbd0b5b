/** Docker Hub's canonical registry name: what `docker.io/...`, `index.docker.io/...` and names without a host mean. */
export const DOCKER_HUB = "docker.io";

/** Names that all reach Docker Hub: its canonical name, its old name and its API host. */
const DOCKER_HUB_ALIASES = new Set([DOCKER_HUB, "index.docker.io", "registry-1.docker.io"]);

/**
 * The host that serves a registry's API. Docker Hub's name is docker.io, but its distribution
 * API answers at registry-1.docker.io (docker.io itself redirects to the website).
 */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}

/**
 * One name per registry: host names are case-insensitive (lowercased), and Docker Hub's aliases
 * are docker.io. Credentials, claims and allow-lists are keyed by it, so `index.docker.io/x/y`
 * and `x/y` find what was stored for docker.io.
 */
export function canonicalRegistryHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}
