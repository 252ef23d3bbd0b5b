// The internal registry requires a token, and a build's token covers its own repository (by
// GitHub id) and the base images only: another repository's image, its layer cache and the
// catalog are out of reach, so a Dockerfile can neither read other repositories' images nor
// poison their cache.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRegistryAccess, mintRegistryCredential } from "@slipway/registry-auth";
import { RegistryClient, RegistryError } from "@slipway/registry";
import { testEnv, withRegistryLogin } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { PUSH_EXAMPLE, pushCommit, REPO } from "./push-payload";

// A branch of its own: e2e files share the repository (and so its cache path), and a
// concurrent build exporting to the default branch's cache would change what others import.
const BRANCH = "e2e-registry-scope";

const OTHER = "github/999000111";
const otherImage = `${testEnv.registry}/${OTHER}:private`;
const operatorImage = `${testEnv.registry}/bench/operator-tools:1`;
const MOUNT_DOCKERFILE = `FROM ${testEnv.registry}/base/busybox:1\nRUN echo "operator-layer ${Date.now()}" > /m\n`;
let farm: TestFarm;
let digest: string;
beforeAll(async () => {
  farm = await startTestFarm({ buildAttempts: 1 });
  // Another repository's image, put there with the tests' own credential.
  const env = await withRegistryLogin({ ...process.env, DOCKER_HOST: testEnv.dockerHost });
  try {
    execFileSync("docker", ["tag", `${testEnv.registry}/base/busybox:1`, otherImage], { env });
    execFileSync("docker", ["push", "--quiet", otherImage], { env, stdio: ["ignore", "ignore", "inherit"] });
    // ... and an operator's own image, outside any repository's path, built from the very
    // Dockerfile a repository pushes below: the farm's build of it is a cache hit, so its RUN
    // layer is the one this push left, and the daemon's only source for it is that path.
    const dir = mkdtempSync(join(tmpdir(), "slipway-operator-"));
    writeFileSync(join(dir, "Dockerfile"), MOUNT_DOCKERFILE);
    execFileSync("docker", ["buildx", "build", "--quiet", "--network", testEnv.buildNetwork, "--push", "-t", operatorImage, dir], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    rmSync(dir, { recursive: true, force: true });
  } finally {
    rmSync(env.DOCKER_CONFIG!, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await farm?.close();
});

const build = async (dockerfile: string) => {
  const sha = farm.git.commit(REPO, { Dockerfile: dockerfile, "NONCE.txt": `${Date.now()}\n` }, { branch: BRANCH });
  const b = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: `refs/heads/${BRANCH}` }));
  return { ...b, log: await (await farm.apiFetch(`/builds/${b.id}/logs`)).text() };
};

describe("a build sees only its own repository in the internal registry", () => {
  it("FROM another repository's internal image fails as the user's error", async () => {
    const b = await build(`FROM ${otherImage}\nRUN echo "$((6 * 7))-ran"\n`);
    expect(b.status, b.log).toBe("failed");
    expect(b.errorClass, b.log).toBe("user");
    expect(b.errorMessage).toMatch(
      /base image cannot be pulled \(access denied; in the farm's internal registry a build may pull only its own repository's images and the base images\)/,
    );
    expect(b.log).not.toContain("42-ran");
  });

  it("a build whose layer the daemon last pushed to another path still pushes (a cross-repository mount)", async () => {
    const b = await build(MOUNT_DOCKERFILE);
    expect(b.status, b.log).toBe("succeeded");
    expect(b.log).toMatch(/#\d+ CACHED/);
  });

  it("COPY --from another repository's image fails too", async () => {
    const b = await build(`FROM ${testEnv.registry}/base/busybox:1\nCOPY --from=${otherImage} /bin/busybox /stolen\n`);
    expect(b.status, b.log).toBe("failed");
    expect(b.errorClass, b.log).toBe("user");
  });

  // Loopback targets only (test traffic never leaves the machine); the same rules cover private
  // and link-local ranges such as 169.254.169.254 (unit-tested in source-policy.test.ts).
  it("ADD of the registry's catalog or the api is refused before any fetch", async () => {
    for (const url of [
      `http://${testEnv.registry}/v2/_catalog`,
      `${farm.api.url}/healthz`,
      `http://x@${testEnv.registry.replace("127.0.0.1", "localhost")}/v2/`,
    ]) {
      const b = await build(`FROM ${testEnv.registry}/base/busybox:1\nADD ${url} /fetched\n`);
      expect(b.status, b.log).toBe("failed");
      expect(b.errorClass, b.log).toBe("user");
      expect(b.errorMessage).toBe(`${url}: this farm does not let builds fetch from loopback, private or link-local addresses`);
    }
  });

  it("a build's own credential can neither read nor overwrite another repository's image or cache", async () => {
    const mine = mintRegistryCredential(testEnv.registrySecret, {
      sub: "build-attacker",
      access: buildRegistryAccess(BigInt(PUSH_EXAMPLE.repository.id), ["base/*"]),
      ttlSeconds: 600,
    });
    const client = new RegistryClient({ backoffMs: 5, credentials: (host) => (host === testEnv.registry ? mine : undefined) });
    const read = await client.getManifest(testEnv.registry, OTHER, "private").catch((e: unknown) => e);
    expect(read).toBeInstanceOf(RegistryError);
    expect((read as RegistryError).status).toBe(401);
    // Its own repository and the base images are fine with the same credential.
    const base = await client.getManifest(testEnv.registry, "base/busybox", "1");
    digest = base.digest;
    // Poisoning another repository's cache: a copy into github/<other>/cache is refused.
    const write = await client
      .copyImage(
        { registry: testEnv.registry, repository: "base/busybox", digest },
        { registry: testEnv.registry, repository: `${OTHER}/cache` },
        ["branch-main"],
      )
      .catch((e: unknown) => e);
    expect(write).toBeInstanceOf(RegistryError);
    expect([401, 403]).toContain((write as RegistryError).status);
    // The same copy into its own cache path works: the refusal is about scope, not the method.
    const own = `github/${PUSH_EXAMPLE.repository.id}/cache`;
    await expect(
      client.copyImage(
        { registry: testEnv.registry, repository: "base/busybox", digest },
        { registry: testEnv.registry, repository: own },
        ["probe"],
      ),
    ).resolves.toMatchObject({ digest });
  });

  it("without credentials the registry answers nothing", async () => {
    const res = await fetch(`http://${testEnv.registry}/v2/_catalog`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain(`realm="http://127.0.0.1:${testEnv.registryAuthPort}/registry/token"`);
  });
});
