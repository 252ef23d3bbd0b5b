import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintRegistryCredential, writeDockerConfig, type RegistryCredential, type TRegistryAccess } from "@slipway/registry-auth";
import { testEnv } from "./test-env";

/** What the tests themselves may do in the internal registry: set up images, read results. */
const TEST_ACCESS: TRegistryAccess[] = [
  { name: "base/*", actions: ["pull", "push"] },
  { name: "github/*", actions: ["pull", "push"] },
  { name: "bench/*", actions: ["pull", "push"] },
];

/** An internal-registry credential for test set-up and checks (not what a build gets). */
export function testRegistryCredential(access: TRegistryAccess[] = TEST_ACCESS): RegistryCredential {
  return mintRegistryCredential(testEnv.registrySecret, { sub: "tests", access, ttlSeconds: 3600 });
}

/** RegistryClient options that log in to the internal registry with testRegistryCredential(). */
export const testRegistryClientOptions = () => ({
  credentials: (host: string) => (host === testEnv.registry ? testRegistryCredential() : undefined),
});

/** `env` plus DOCKER_CONFIG of a fresh folder logged in to the internal registry (docker push/buildx). */
export async function withRegistryLogin(env: NodeJS.ProcessEnv, access?: TRegistryAccess[]): Promise<NodeJS.ProcessEnv> {
  const dir = mkdtempSync(join(tmpdir(), "slipway-docker-config-"));
  await writeDockerConfig(dir, testEnv.registry, testRegistryCredential(access));
  return { ...env, DOCKER_CONFIG: dir };
}
