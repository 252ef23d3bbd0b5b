import { AppError } from "@slipway/contracts";
import { canonicalRegistryHost, isRegistryHost } from "@slipway/registry";

/**
 * The `:host` of /api/v1/registries/:host as credentials are stored: a registry host[:port],
 * lowercase, Docker Hub's names (docker.io, index.docker.io, registry-1.docker.io) as docker.io,
 * so a target `docker.io/x/y` or `x/y` finds it. 422 naming the field otherwise.
 */
export function registryCredentialHost(raw: string): string {
  if (!isRegistryHost(raw)) {
    const shown = JSON.stringify(raw.length > 100 ? `${raw.slice(0, 100)}…` : raw);
    throw new AppError(
      "unprocessable",
      `host: ${shown} is not a registry host[:port] (e.g. ghcr.io, docker.io, registry.example.com:5000)`,
    );
  }
  return canonicalRegistryHost(raw);
}
