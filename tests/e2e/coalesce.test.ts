// Coalescing through the whole farm: a tag pushed on a commit already built runs no BuildKit
// (no `docker buildx` started: a docker shim of the test's own counts them), reuses the
// digest, and publishes its own tags; the API points at the build that made the image.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RegistryClient } from "@slipway/registry";
import { internalRegistryLogin } from "@slipway/registry-auth";
import { testEnv, testRegistryClientOptions } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../apps/api/test/harness";
import { startTestFarm, type TestFarm } from "./farm-harness";
import { pushCommit } from "./push-payload";

const BASE = `${testEnv.registry}/base/busybox:1`;
const repository = { id: randomInt(1e9, 2e9), fullName: `coalesce/app-${randomBytes(3).toString("hex")}` };
const TARGET_REPO = `coalesce/app-${randomBytes(3).toString("hex")}`;
const registry = new RegistryClient(testRegistryClientOptions());

let farm: TestFarm;
let shim: string;
const dockerCalls = () => readFileSync(join(shim, "calls.log"), "utf8").split("\n").filter(Boolean);
const buildxRuns = () => dockerCalls().filter((c) => c.startsWith("buildx build")).length;

beforeAll(async () => {
  // `docker` first on the worker's PATH: records each call, then runs the real one.
  shim = mkdtempSync(join(tmpdir(), "slipway-docker-shim-"));
  writeFileSync(join(shim, "calls.log"), "");
  const real = execFileSync("sh", ["-c", "command -v docker"], { encoding: "utf8" }).trim();
  writeFileSync(join(shim, "docker"), `#!/bin/sh\necho "$*" >> ${join(shim, "calls.log")}\nexec ${real} "$@"\n`);
  chmodSync(join(shim, "docker"), 0o755);
  farm = await startTestFarm({ path: `${shim}:${process.env.PATH}` });
});
afterAll(async () => {
  await farm?.close();
  if (shim) rmSync(shim, { recursive: true, force: true });
});

describe("coalescing", () => {
  it(
    "a tag pushed on an already built commit runs no BuildKit, reuses the digest and publishes its own tags",
    { timeout: 180_000 },
    async () => {
      const sha = farm.git.commit(
        repository.fullName,
        {
          Dockerfile: `FROM ${BASE}\nRUN head -c 64 /dev/urandom > /random\n`,
          ".slipway.yml": `publish:\n  - image: ${testEnv.publishRegistry}/${TARGET_REPO}\n`,
        },
        { branch: "main" },
      );
      const first = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: "refs/heads/main", repository }));
      expect(first.status, first.errorMessage ?? "").toBe("succeeded");
      expect(buildxRuns()).toBe(1);

      farm.git.setRef(repository.fullName, "refs/tags/v1.0.0", sha);
      const tagged = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: "refs/tags/v1.0.0", repository }));

      expect(tagged.status, tagged.errorMessage ?? "").toBe("succeeded");
      expect(buildxRuns()).toBe(1);
      expect(tagged.digest).toBe(first.digest);
      expect(tagged.coalescedFromId).toBe(first.id);
      expect(tagged.steps).toEqual([]);
      // Its own immutable tag in the internal registry, on the same digest.
      expect(tagged.imageRef).toBe(`${testEnv.registry}/github/${repository.id}:build-${tagged.id}`);
      expect(await registry.manifestDigest(testEnv.registry, `github/${repository.id}`, `build-${tagged.id}`)).toBe(first.digest);
      const log = await (await farm.apiFetch(`/builds/${tagged.id}/logs`)).text();
      expect(log).toContain(`slipway: build ${first.id} already built this commit with this config: reusing its image`);
      expect(log).toContain("no BuildKit run");
      const shown = (await (await farm.apiFetch(`/builds/${tagged.id}`)).json()) as { coalescedFrom: string | null };
      expect(shown.coalescedFrom).toBe(first.id);

      // The tag's publishes: the reused digest under the new tags.
      await eventually(
        async () => (await farm.api.db.publish.findMany({ where: { buildId: tagged.id } })).every((p) => p.status === "pushed"),
        60_000,
        "the tag's publishes",
      );
      const publishes = await farm.api.db.publish.findMany({ where: { buildId: tagged.id } });
      expect(publishes.length).toBeGreaterThan(0);
      expect(publishes.map((p) => p.tag).sort()).toEqual(["1", "1.0", "1.0.0"]);
      for (const p of publishes) {
        expect(p.digest).toBe(first.digest);
        expect(await registry.manifestDigest(testEnv.publishRegistry, TARGET_REPO, p.tag)).toBe(first.digest);
      }

      // The image gone from the internal registry behind the farm's back (storage lost): the
      // next tag on the commit cannot reuse it, says so, and builds.
      const admin = new RegistryClient({
        credentials: internalRegistryLogin(testEnv.registrySecret, testEnv.registry, { sub: "test", actions: ["pull", "push", "delete"] }),
      });
      expect(await admin.deleteManifest(testEnv.registry, `github/${repository.id}`, first.digest!)).toBe(true);
      farm.git.setRef(repository.fullName, "refs/tags/v1.0.1", sha);
      const rebuilt = await farm.waitForEnd(await pushCommit(farm.api.url, sha, { ref: "refs/tags/v1.0.1", repository }));
      expect(rebuilt.status, rebuilt.errorMessage ?? "").toBe("succeeded");
      expect(rebuilt.coalescedFromId).toBeNull();
      expect(buildxRuns()).toBe(2);
      const rebuiltLog = await (await farm.apiFetch(`/builds/${rebuilt.id}/logs`)).text();
      expect(rebuiltLog).toContain(`slipway: the image of build ${first.id} is gone from the internal registry`);
      expect((await farm.api.db.build.findUniqueOrThrow({ where: { id: first.id } })).imagePrunedAt).not.toBeNull();
    },
  );
});
