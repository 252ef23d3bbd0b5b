// What `docker buildx build .` sends to BuildKit from a checkout (the .dockerignore allow-list):
// the sources the image is made from, and none of what an operator keeps beside them, such as
// the compose stack's secrets and keys. The context is exported as BuildKit received it (a
// `FROM scratch` + `COPY . /` build with the local exporter), with such files planted first.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { testEnv } from "@slipway/testing";
import { afterAll, describe, expect, it } from "vitest";
import { ImageContainers } from "./image-containers";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PLANTED = [
  "infra/compose/slipway.env",
  "infra/compose/registry-auth/token.key",
  "infra/compose/buildkit/certs/client/key.pem",
  "apps/api/.env.production",
  ".slipway/farm/secrets.env",
];
// Only files and folders this test made are removed again (a developer's own are left alone).
const made: string[] = [];
const out = mkdtempSync(join(tmpdir(), "slipway-image-context-"));
afterAll(() => {
  for (const f of made) rmSync(join(ROOT, f), { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe("the image's build context", () => {
  it("holds the sources and none of an operator's secrets, keys or state", { timeout: 120_000 }, async () => {
    for (const f of PLANTED) {
      const path = join(ROOT, f);
      if (existsSync(path)) continue;
      // mkdirSync answers with the first folder it made: removed with what it holds after.
      const folder = mkdirSync(dirname(path), { recursive: true });
      if (folder) made.push(folder.slice(ROOT.length));
      writeFileSync(path, "PLANTED=secret\n");
      made.push(f);
    }
    const dockerfile = join(out, "context.Dockerfile");
    writeFileSync(dockerfile, "FROM scratch\nCOPY . /\n");
    const docker = new ImageContainers({ ...process.env, DOCKER_HOST: testEnv.dockerHost });
    const r = await docker.docker([
      "buildx",
      "build",
      "--progress=quiet",
      "-f",
      dockerfile,
      "--output",
      `type=local,dest=${join(out, "ctx")}`,
      ROOT,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const sent = (f: string) => existsSync(join(out, "ctx", f));
    for (const f of [
      "package.json",
      "package-lock.json",
      "apps/api/src/index.ts",
      "prisma/schema.prisma",
      "infra/image-entrypoint.sh",
      "tests/package.json",
    ])
      expect(sent(f), f).toBe(true);
    for (const f of [...PLANTED, ".slipway", ".git", "node_modules", "tests/e2e", "apps/api/test", "packages/db/src/generated"])
      expect(sent(f), f).toBe(false);
  });
});
