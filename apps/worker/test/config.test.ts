import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { githubSettingsOf } from "@slipway/config";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkWorkerFiles, loadWorkerConfig } from "../src/config";

const good = { DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/db", REDIS_URL: "redis://127.0.0.1:6379" };

/** What the loader says of `good` with `env` on top ("" when it accepts it). */
const problems = (env: Record<string, string>) => {
  try {
    loadWorkerConfig({ ...good, ...env });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
};

describe("worker config", () => {
  it("applies the documented defaults", () => {
    const c = loadWorkerConfig(good);
    expect(c).toMatchObject({
      SLIPWAY_REGISTRY: "127.0.0.1:5000",
      SLIPWAY_BUILD_NETWORK: "default",
      SLIPWAY_GIT_BASE_URL: "https://github.com",
      SLIPWAY_GIT_PROTOCOLS: ["https"],
      SLIPWAY_BUILD_TIMEOUT_MIN: 60,
      SLIPWAY_WORKER_CONCURRENCY: 1,
      SLIPWAY_WORKER_CACHE_DIR: "/var/cache/slipway/worker",
      SLIPWAY_BUILD_LOG_MAX_MB: 64,
      SLIPWAY_RETAIN_MIRRORS_DAYS: 30,
    });
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_RETAIN_MIRRORS_DAYS: "0" })).toThrow(/SLIPWAY_RETAIN_MIRRORS_DAYS: must be > 0/);
  });

  it("git source: the base URL must be plain and speak an allowed protocol; file and ext are never allowed", () => {
    expect(loadWorkerConfig({ ...good, SLIPWAY_GIT_BASE_URL: "git://127.0.0.1:9418", SLIPWAY_GIT_PROTOCOLS: "https, git" })).toMatchObject({
      SLIPWAY_GIT_PROTOCOLS: ["https", "git"],
    });
    expect(problems({ SLIPWAY_GIT_BASE_URL: "git://127.0.0.1:9418" })).toContain(
      "SLIPWAY_GIT_BASE_URL: its protocol must be one of SLIPWAY_GIT_PROTOCOLS",
    );
    expect(problems({ SLIPWAY_GIT_PROTOCOLS: "https,file" })).toContain("SLIPWAY_GIT_PROTOCOLS");
    expect(problems({ SLIPWAY_GIT_PROTOCOLS: "ext" })).toContain("each protocol must be https, http, ssh or git");
    expect(problems({ SLIPWAY_GIT_BASE_URL: "https://user:secret@github.com" })).toContain(
      "SLIPWAY_GIT_BASE_URL: must be a URL without credentials",
    );
    expect(problems({ SLIPWAY_GIT_BASE_URL: "https://user:secret@github.com" })).not.toContain("secret");
    expect(problems({ SLIPWAY_GIT_BASE_URL: "not a url" })).toContain("SLIPWAY_GIT_BASE_URL");
  });

  it("GitHub: a token or an App (id + one PEM key, inline with \\n escapes or a file); problems name the variable, never the key", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const dir = mkdtempSync(join(tmpdir(), "slipway-key-"));
    writeFileSync(join(dir, "app.pem"), pem);
    expect(githubSettingsOf(loadWorkerConfig(good))).toBeUndefined();
    expect(githubSettingsOf(loadWorkerConfig({ ...good, SLIPWAY_GITHUB_TOKEN: "ghp_0123456789abcdefghij" }))).toEqual({
      apiUrl: "https://api.github.com",
      auth: { kind: "token", token: "ghp_0123456789abcdefghij" },
    });
    expect(
      githubSettingsOf(
        loadWorkerConfig({
          ...good,
          SLIPWAY_GITHUB_APP_ID: "123",
          SLIPWAY_GITHUB_APP_PRIVATE_KEY: pem.replace(/\n/g, "\\n"),
          SLIPWAY_GITHUB_API_URL: "https://ghe.example.com/api/v3",
        }),
      ),
    ).toEqual({ apiUrl: "https://ghe.example.com/api/v3", auth: { kind: "app", appId: "123", privateKey: pem } });
    expect(
      githubSettingsOf(
        loadWorkerConfig({ ...good, SLIPWAY_GITHUB_APP_ID: "123", SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE: join(dir, "app.pem") }),
      )?.auth,
    ).toMatchObject({ kind: "app", privateKey: pem });
    expect(problems({ SLIPWAY_GITHUB_TOKEN: "ghp_0123456789abcdefghij", SLIPWAY_GITHUB_APP_ID: "1" })).toContain(
      "SLIPWAY_GITHUB_TOKEN: set either a token or a GitHub App",
    );
    expect(problems({ SLIPWAY_GITHUB_APP_PRIVATE_KEY: pem })).toContain("SLIPWAY_GITHUB_APP_ID: is required");
    expect(problems({ SLIPWAY_GITHUB_APP_ID: "1" })).toContain("SLIPWAY_GITHUB_APP_PRIVATE_KEY: is required");
    expect(problems({ SLIPWAY_GITHUB_APP_ID: "1", SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE: join(dir, "missing.pem") })).toContain(
      "SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE: cannot be read: ENOENT",
    );
    const broken = problems({
      SLIPWAY_GITHUB_APP_ID: "1",
      SLIPWAY_GITHUB_APP_PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----",
    });
    expect(broken).toContain("SLIPWAY_GITHUB_APP_PRIVATE_KEY: is not a PEM private key");
    expect(broken).not.toContain("c2VjcmV0");
    expect(problems({ SLIPWAY_GITHUB_APP_ID: "app", SLIPWAY_GITHUB_APP_PRIVATE_KEY: pem })).toContain(
      "SLIPWAY_GITHUB_APP_ID: must be the App's numeric id",
    );
    expect(problems({ SLIPWAY_GITHUB_API_URL: "https://x:y@api.github.com" })).toContain(
      "SLIPWAY_GITHUB_API_URL: must be an http(s) URL without credentials",
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("SLIPWAY_BUILD_LOG_MAX_MB is a whole number of MiB, 1..1024", () => {
    expect(loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "1024" }).SLIPWAY_BUILD_LOG_MAX_MB).toBe(1024);
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "1025" })).toThrow("SLIPWAY_BUILD_LOG_MAX_MB: must be at most 1024");
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "0" })).toThrow("SLIPWAY_BUILD_LOG_MAX_MB: must be > 0");
    expect(() => loadWorkerConfig({ ...good, SLIPWAY_BUILD_LOG_MAX_MB: "1.5" })).toThrow(
      "SLIPWAY_BUILD_LOG_MAX_MB: must be a whole number",
    );
  });

  it("remote BuildKit: tcp://host:port or unix:///path endpoints, a TLS folder holding ca.pem, cert.pem and key.pem; problems say which", () => {
    const c = loadWorkerConfig({
      ...good,
      SLIPWAY_BUILDKIT_ENDPOINT: "tcp://buildkitd-0.buildkitd:1234, tcp://buildkitd-1.buildkitd:1234,unix:///run/buildkit/buildkitd.sock",
      SLIPWAY_BUILDKIT_INSECURE: "true",
    });
    expect(c.SLIPWAY_BUILDKIT_ENDPOINT).toEqual([
      "tcp://buildkitd-0.buildkitd:1234",
      "tcp://buildkitd-1.buildkitd:1234",
      "unix:///run/buildkit/buildkitd.sock",
    ]);
    expect(c.SLIPWAY_BUILD_HOST).toBeUndefined(); // the worker then names the build host after the endpoint
    expect(loadWorkerConfig(good).SLIPWAY_BUILDKIT_ENDPOINT).toEqual([]);
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "http://buildkitd:1234" })).toContain(
      "SLIPWAY_BUILDKIT_ENDPOINT: http://buildkitd:1234 has the scheme http:// (tcp:// or unix:// only)",
    );
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://a:1234,tcp://buildkitd" })).toContain(
      "SLIPWAY_BUILDKIT_ENDPOINT: tcp://buildkitd needs a host and a port (tcp://host:port)",
    );
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "buildkitd:1234" })).toContain(
      "SLIPWAY_BUILDKIT_ENDPOINT: buildkitd:1234 has the scheme buildkitd://",
    );
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://a:1234/x" })).toContain("tcp://a:1234/x must be tcp://host:port and nothing more");
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "unix://run/buildkit.sock" })).toContain("must be unix:///absolute/path");
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://:secret@a:1234", SLIPWAY_BUILDKIT_INSECURE: "true" })).toContain(
      "must be tcp://host:port and nothing more",
    );
    // Plain TCP off this machine: refused without TLS unless the network is declared trusted.
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://127.0.0.1:1234,tcp://[::1]:1234,tcp://localhost:1234" })).toBe("");
    for (const off of ["tcp://buildkitd:1234", "tcp://127.evil.example:1234", "tcp://10.0.0.5:1234"])
      expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: off })).toContain(
        `SLIPWAY_BUILDKIT_ENDPOINT: ${off} is plain TCP: set SLIPWAY_BUILDKIT_TLS_DIR (mutual TLS), or SLIPWAY_BUILDKIT_INSECURE=true`,
      );
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://a:1234", SLIPWAY_BUILDKIT_TLS_DIR: "/certs,key=/x" })).toContain(
      'SLIPWAY_BUILDKIT_TLS_DIR: must not contain , = or "',
    );

    const dir = mkdtempSync(join(tmpdir(), "slipway-buildkit-tls-"));
    writeFileSync(join(dir, "ca.pem"), "ca");
    // The files are checked at start (deploy manifests are loaded where they are not mounted).
    const tlsConfig = loadWorkerConfig({ ...good, SLIPWAY_BUILDKIT_ENDPOINT: "tcp://a:1234", SLIPWAY_BUILDKIT_TLS_DIR: dir });
    expect(() => checkWorkerFiles(tlsConfig)).toThrow(
      `SLIPWAY_BUILDKIT_TLS_DIR: ${dir} has no cert.pem, key.pem (it needs ca.pem, cert.pem and key.pem)`,
    );
    writeFileSync(join(dir, "cert.pem"), "cert");
    writeFileSync(join(dir, "key.pem"), "key");
    expect(checkWorkerFiles(tlsConfig).SLIPWAY_BUILDKIT_TLS_DIR).toBe(dir);
    expect(checkWorkerFiles(loadWorkerConfig(good)).SLIPWAY_BUILDKIT_TLS_DIR).toBeUndefined();
    expect(problems({ SLIPWAY_BUILDKIT_TLS_DIR: dir })).toContain("SLIPWAY_BUILDKIT_TLS_DIR: is set but SLIPWAY_BUILDKIT_ENDPOINT is not");
    expect(problems({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://a:1234", SLIPWAY_BUILDKIT_TLS_DIR: "certs" })).toContain(
      "SLIPWAY_BUILDKIT_TLS_DIR: must be an absolute path",
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("the worker process stops at start naming the bad variable", () => {
    const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
    const res = spawnSync(tsx, [entry], {
      env: { PATH: process.env.PATH, ...good, SLIPWAY_BUILD_NETWORK: "bridge", SLIPWAY_BUILD_TIMEOUT_MIN: "-5" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain("SLIPWAY_BUILD_NETWORK: must be host, none or default");
    expect(res.stderr).toContain("SLIPWAY_BUILD_TIMEOUT_MIN: must be > 0");
    const tls = spawnSync(tsx, [entry], {
      env: {
        PATH: process.env.PATH,
        ...good,
        SLIPWAY_BUILDKIT_ENDPOINT: "tcp://127.0.0.1:1234",
        SLIPWAY_BUILDKIT_TLS_DIR: "/nonexistent/tls",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(tls.status).toBe(78);
    expect(tls.stderr).toContain("SLIPWAY_BUILDKIT_TLS_DIR: /nonexistent/tls has no ca.pem, cert.pem, key.pem");
  });
});
