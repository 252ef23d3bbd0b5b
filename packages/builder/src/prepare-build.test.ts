import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserFailure } from "./failures";
import { prepareBuild } from "./prepare-build";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function repo(files: Record<string, string>, links: Record<string, string> = {}) {
  dir = mkdtempSync(join(tmpdir(), "slipway-prepare-"));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  for (const [p, target] of Object.entries(links)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    symlinkSync(target, join(dir, p));
  }
  return dir;
}
const prepare = (srcDir: string) =>
  prepareBuild({
    srcDir,
    sourceUrl: "https://github.com/acme/web",
    sha: "a".repeat(40),
    commitTime: new Date("2026-01-02T03:04:05Z"),
    internalRegistry: "127.0.0.1:5000",
    cacheMountNamespace: "github-42",
    frontendPrefixes: ["127.0.0.1:5000/base/"],
    onLine: () => {},
  });
async function failure(srcDir: string) {
  const err = await prepare(srcDir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserFailure);
  return (err as Error).message;
}

describe("prepareBuild", () => {
  it("builds the request: labels from the commit, SOURCE_DATE_EPOCH, build args, target", async () => {
    const p = await prepare(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "target: rt\nbuildArgs: { A: 1 }\n" }));
    expect(p.request.target).toBe("rt");
    expect(p.request.buildArgs).toEqual({ SOURCE_DATE_EPOCH: "1767323045", A: "1", BUILDKIT_CACHE_MOUNT_NS: "github-42" });
    expect(p.request.labels).toEqual({
      "org.opencontainers.image.source": "https://github.com/acme/web",
      "org.opencontainers.image.revision": "a".repeat(40),
      "org.opencontainers.image.created": "2026-01-02T03:04:05.000Z",
    });
  });

  it("follows symlinks that stay inside the repository", async () => {
    const p = await prepare(
      repo({ "build/Dockerfile": "FROM x\n", ".slipway.yml": "dockerfile: Dockerfile\n" }, { Dockerfile: "build/Dockerfile" }),
    );
    expect(p.request.dockerfile.endsWith("build/Dockerfile")).toBe(true);
  });

  it("refuses a context that leads outside the repository through a symlink", async () => {
    expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "context: hostroot\n" }, { hostroot: "/" }))).toBe(
      "context hostroot leads outside the repository (through a symlink)",
    );
    expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "context: a/etc\n" }, { a: "/" }))).toBe(
      "context a/etc leads outside the repository (through a symlink)",
    );
  });

  it("refuses a Dockerfile that is a symlink to a host file", async () => {
    expect(await failure(repo({}, { Dockerfile: "/etc/passwd" }))).toBe(
      "dockerfile Dockerfile leads outside the repository (through a symlink)",
    );
  });

  it("refuses a .slipway.yml that is a symlink or huge", async () => {
    expect(await failure(repo({ Dockerfile: "FROM x\n" }, { ".slipway.yml": "/dev/zero" }))).toBe(
      ".slipway.yml must be a regular file (found a symlink)",
    );
    expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": `# ${"x".repeat(70_000)}\n` }))).toMatch(
      /^\.slipway\.yml is \d+ bytes; the limit is 65536$/,
    );
  });

  it("refuses the internal registry as a publish target, under any loopback name", async () => {
    for (const image of ["127.0.0.1:5000/cache/acme/web", "localhost:5000/acme/web"]) {
      expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": `publish:\n  - image: ${image}\n` }))).toBe(
        `.slipway.yml publish target ${image} is the farm's internal registry; publish to another registry`,
      );
    }
    const ok = await prepare(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "publish:\n  - image: 127.0.0.1:5001/acme/web\n" }));
    expect(ok.config.publish).toEqual([{ image: "127.0.0.1:5001/acme/web" }]);
  });

  it("names a missing Dockerfile or context", async () => {
    expect(await failure(repo({ ".slipway.yml": "dockerfile: docker/Dockerfile.prod\n" }))).toBe(
      "Dockerfile not found: docker/Dockerfile.prod",
    );
    expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "context: app\n" }))).toBe(
      "build context not found: app is not a folder in the repository",
    );
  });

  it("refuses BUILDKIT_* build args: the farm sets the cache-mount namespace and the frontend", async () => {
    expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "buildArgs: { BUILDKIT_CACHE_MOUNT_NS: github-1 }\n" }))).toContain(
      "build args named BUILDKIT_* steer BuildKit itself",
    );
    expect(await failure(repo({ Dockerfile: "FROM x\n", ".slipway.yml": "buildArgs: { buildkit_syntax: evil/frontend }\n" }))).toContain(
      "BUILDKIT_*",
    );
  });

  it("allows docker/dockerfile frontends and base images in # syntax=, refuses others", async () => {
    for (const ok of [
      "# syntax=docker/dockerfile:1",
      "#syntax = docker.io/docker/dockerfile:1.7@sha256:" + "a".repeat(64),
      "# syntax=127.0.0.1:5000/base/dockerfile:1",
      "# check=skip=all\n# syntax=docker/dockerfile:1",
    ]) {
      await expect(prepare(repo({ Dockerfile: `${ok}\nFROM x\n` })), ok).resolves.toBeDefined();
    }
    expect(await failure(repo({ Dockerfile: "# syntax=evil.example/frontend:1\nFROM x\n" }))).toContain(
      '"# syntax=evil.example/frontend:1" names a custom BuildKit frontend',
    );
    expect(await failure(repo({ Dockerfile: "# SYNTAX=docker/dockerfile-evil:1\nFROM x\n" }))).toContain("custom BuildKit frontend");
    // Not a directive once an instruction came first.
    await expect(prepare(repo({ Dockerfile: "FROM x\n# syntax=evil/frontend\n" }))).resolves.toBeDefined();
  });
});
