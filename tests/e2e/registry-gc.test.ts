// infra/registry-gc.sh on a registry of the test's own: after retention deleted an image and a
// branch's cache, the collector frees their blobs, and what is kept stays whole: the kept
// image's every blob, and the kept cache, which a cold daemon (B) builds from, every step cached.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { RegistryClient } from "@slipway/registry";
import { pushBusyboxBaseImage, startRegistry, testEnv, type TestRegistry } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const REPO = "github/4242";
const CACHE = `${REPO}/cache`;
const ACCEPT = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json";

let reg: TestRegistry;
let restartedPid: number | undefined;
let context: string;
const client = new RegistryClient({ backoffMs: 10 });

beforeAll(async () => {
  reg = await startRegistry();
  writeFileSync(join(reg.dir, "registry.pid"), String(reg.pid));
  await pushBusyboxBaseImage({ ...process.env, DOCKER_HOST: testEnv.dockerHost }, reg.host);
  context = mkdtempSync(join(tmpdir(), "slipway-gc-ctx-"));
});
afterAll(async () => {
  if (restartedPid) {
    try {
      process.kill(restartedPid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await reg?.stop();
  if (context) rmSync(context, { recursive: true, force: true });
});

/** Builds `dockerfile` on `dockerHost`, pushing the image and a mode=max cache; returns buildx's plain log. */
async function build(dockerHost: string, dockerfile: string, tag: string, cacheTo: string | null, cacheFrom: string | null) {
  writeFileSync(join(context, "Dockerfile"), dockerfile);
  const args = ["buildx", "build", "--progress=plain", "--provenance=false", "--tag", `${reg.host}/${REPO}:${tag}`, "--push"];
  if (cacheTo) args.push("--cache-to", `type=registry,ref=${reg.host}/${CACHE}:${cacheTo},mode=max`);
  if (cacheFrom) args.push("--cache-from", `type=registry,ref=${reg.host}/${CACHE}:${cacheFrom}`);
  const { stderr } = await run("docker", [...args, context], { env: { ...process.env, DOCKER_HOST: dockerHost }, maxBuffer: 64 << 20 });
  return stderr;
}

async function manifest(
  repository: string,
  reference: string,
): Promise<{ status: number; json: { layers?: { digest: string }[]; config?: { digest: string }; manifests?: { digest: string }[] } }> {
  const res = await fetch(`${reg.url}/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT } });
  return { status: res.status, json: res.ok ? ((await res.json()) as never) : {} };
}

/** Every blob a manifest or a cache index names, by digest. */
async function blobsOf(repository: string, reference: string): Promise<string[]> {
  const { json } = await manifest(repository, reference);
  return [...(json.layers ?? []), ...(json.config ? [json.config] : []), ...(json.manifests ?? [])].map((d) => d.digest);
}

const blobFile = (digest: string) => join(reg.dir, "data/docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data");

describe("registry garbage collection (infra/registry-gc.sh)", () => {
  it(
    "frees the blobs only deleted images and caches used; kept images stay whole and a kept cache still serves a cold daemon",
    { timeout: 240_000 },
    async () => {
      const base = `FROM ${reg.host}/base/busybox:1\n`;
      const nonce = () => randomBytes(8).toString("hex");
      // Two branches: `gone` (its image and cache deleted below) and `main` (kept).
      await build(testEnv.dockerHost, `${base}RUN head -c 400000 /dev/urandom > /gone-${nonce()}\n`, "build-gone", "branch-gone", null);
      const mainFile = `${base}RUN head -c 400000 /dev/urandom > /main-${nonce()}\nRUN echo second > /second\n`;
      await build(testEnv.dockerHost, mainFile, "build-main", "branch-main", null);

      const goneImage = (await client.manifestDigest(reg.host, REPO, "build-gone"))!;
      const goneBlobs = await blobsOf(REPO, "build-gone");
      const goneCacheBlobs = await blobsOf(CACHE, "branch-gone");
      const keptBlobs = await blobsOf(REPO, "build-main");
      const keptCacheBlobs = await blobsOf(CACHE, "branch-main");
      // What only the deleted ones used (the base layer is shared with the kept image).
      const onlyGone = [...goneBlobs, ...goneCacheBlobs].filter((d) => !keptBlobs.includes(d) && !keptCacheBlobs.includes(d));
      expect(onlyGone.length).toBeGreaterThan(0);
      for (const d of onlyGone) expect(existsSync(blobFile(d))).toBe(true);

      // What retention does: delete the old image by digest; drop the deleted branch's cache.
      expect(await client.deleteManifest(reg.host, REPO, goneImage)).toBe(true);
      const goneCache = (await client.removeTag(reg.host, CACHE, "branch-gone"))!;
      expect(await client.deleteManifest(reg.host, CACHE, goneCache)).toBe(true);

      const { stdout, stderr } = await run("bash", ["infra/registry-gc.sh", reg.dir], { cwd: process.cwd() });
      restartedPid = Number(stdout.trim());
      expect(restartedPid).toBeGreaterThan(0);
      expect(restartedPid).not.toBe(reg.pid);
      expect(stderr).toMatch(/registry gc: [1-9][0-9]* blobs deleted, \d+ MiB freed \(\d+ MiB kept\), registry paused \d+ ms/);
      expect(Number(readFileSync(join(reg.dir, "registry.pid"), "utf8"))).toBe(restartedPid);

      // Freed: the files are gone and the registry no longer serves them.
      for (const d of onlyGone) {
        expect(existsSync(blobFile(d))).toBe(false);
        expect((await fetch(`${reg.url}/v2/${REPO}/blobs/${d}`)).status).toBe(404);
      }
      // Kept whole: every blob of the kept image and cache, byte for byte.
      for (const [repository, digests] of [
        [REPO, keptBlobs],
        [CACHE, keptCacheBlobs],
      ] as const) {
        for (const d of digests) {
          const res = await fetch(`${reg.url}/v2/${repository}/blobs/${d}`);
          expect(res.status).toBe(200);
          expect(
            `sha256:${createHash("sha256")
              .update(Buffer.from(await res.arrayBuffer()))
              .digest("hex")}`,
          ).toBe(d);
        }
      }
      // The kept cache still works: daemon B, which never built this, gets every step from it.
      const log = await build(testEnv.dockerHostB, mainFile, "build-main-again", null, "branch-main");
      // The first RUN writes random bytes: the same image digest means no step ran again, every
      // layer came from the kept cache (BuildKit prints such a step as CACHED, or as the
      // download of its layers when the export needs them).
      expect(log).toContain(`importing cache manifest from ${reg.host}/${CACHE}:branch-main`);
      expect(await client.manifestDigest(reg.host, REPO, "build-main-again")).toBe(
        await client.manifestDigest(reg.host, REPO, "build-main"),
      );
    },
  );
});
