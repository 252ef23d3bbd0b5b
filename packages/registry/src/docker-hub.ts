/** Docker Hub's canonical registry name: what `docker.io/...`, `index.docker.io/...` and names without a host mean. */
export const DOCKER_HUB = "docker.io";

/**
 * The host that serves a registry's API. Docker Hub's name is docker.io, but its distribution
 * API answers at registry-1.docker.io (docker.io itself redirects to the website).
 */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}
