import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { RegistryCredential } from "./registry-grant";

/**
 * Writes a Docker client config (config.json, mode 0600, in a folder of its own) whose only
 * credential for `registry` is `credential`: pointed at with DOCKER_CONFIG, it hands that
 * credential to one docker/buildx command and nothing else — never an argument, never an
 * environment value. `auths` of an existing config (`inherit`, e.g. the operator's logins to
 * other registries for private base images) are kept; credential helpers are not (they would
 * answer for the internal registry too).
 */
export async function writeDockerConfig(dir: string, registry: string, credential: RegistryCredential, inherit?: string): Promise<string> {
  let auths: Record<string, unknown> = {};
  if (inherit) {
    try {
      const parsed = JSON.parse(await readFile(join(inherit, "config.json"), "utf8")) as { auths?: Record<string, unknown> };
      if (parsed.auths && typeof parsed.auths === "object") auths = { ...parsed.auths };
    } catch {
      // no readable config there: nothing to keep
    }
  }
  auths[registry] = { auth: Buffer.from(`${credential.username}:${credential.password}`).toString("base64") };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, "config.json"), JSON.stringify({ auths }), { mode: 0o600 });
  return dir;
}
