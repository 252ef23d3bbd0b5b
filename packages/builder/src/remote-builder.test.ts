// The remote builder: which endpoint a worker picks, the build host it names, and the builder
// instance it makes with the real `docker buildx create` (the remote driver does not connect on
// create, so no BuildKit daemon is needed), in a BUILDX_CONFIG of its own, again on a restart.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createBuilderArgs, createRemoteBuilder, endpointHost, pickEndpoint, remoteBuilderFor } from "./remote-builder";

const cacheDir = mkdtempSync(join(tmpdir(), "slipway-remote-builder-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const ENDPOINTS = ["tcp://buildkitd-0.buildkitd:1234", "tcp://buildkitd-1.buildkitd:1234", "tcp://buildkitd-2.buildkitd:1234"];

describe("remote BuildKit builders", () => {
  it("a worker id always picks the same endpoint, and many ids spread over all of them", () => {
    expect(pickEndpoint(ENDPOINTS, "worker-abc")).toBe(pickEndpoint([...ENDPOINTS], "worker-abc"));
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const e = pickEndpoint(ENDPOINTS, `slipway-worker-7d9f-${i}`);
      counts.set(e, (counts.get(e) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(ENDPOINTS);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
    expect(pickEndpoint(["unix:///run/buildkit/buildkitd.sock"], "any")).toBe("unix:///run/buildkit/buildkitd.sock");
  });

  it("the build host is the endpoint's host; a unix socket names none (this machine)", () => {
    expect(endpointHost("tcp://buildkitd-0.buildkitd:1234")).toBe("buildkitd-0.buildkitd");
    expect(endpointHost("tcp://[::1]:1234")).toBe("::1");
    expect(endpointHost("unix:///run/buildkit/buildkitd.sock")).toBeUndefined();
  });

  it("buildx create gets the TLS files' paths, never their contents, and --append on a restart", () => {
    const b = remoteBuilderFor({ endpoints: ENDPOINTS, workerId: "w1", cacheDir, tlsDir: "/etc/slipway/buildkit" });
    expect(b.name).toMatch(/^slipway-[0-9a-f]{12}$/);
    expect(b.configDir).toBe(join(cacheDir, "buildx", "worker-w1"));
    expect(createBuilderArgs(b)).toEqual([
      "buildx",
      "create",
      "--name",
      b.name,
      "--node",
      `${b.name}-0`,
      "--driver",
      "remote",
      "--driver-opt",
      "cacert=/etc/slipway/buildkit/ca.pem,cert=/etc/slipway/buildkit/cert.pem,key=/etc/slipway/buildkit/key.pem",
      b.endpoint,
    ]);
    expect(createBuilderArgs(b, true)).toContain("--append");
    // Another TLS folder (or none) is another builder instance.
    expect(remoteBuilderFor({ endpoints: ENDPOINTS, workerId: "w1", cacheDir }).name).not.toBe(b.name);
  });

  it("creates the builder in the worker's own BUILDX_CONFIG, idempotently (a restart finds it and keeps going)", async () => {
    const b = remoteBuilderFor({ endpoints: ["tcp://127.0.0.1:1"], workerId: "w2", cacheDir });
    const inspect = (env: NodeJS.ProcessEnv) => execFileSync("docker", ["buildx", "inspect", b.name], { env, encoding: "utf8" });
    const env = await createRemoteBuilder(b, { PATH: process.env.PATH, HOME: process.env.HOME });
    expect(env.BUILDX_CONFIG).toBe(b.configDir);
    const first = inspect(env);
    expect(first).toMatch(/Driver:\s+remote/);
    expect(first).toMatch(/Endpoint:\s+tcp:\/\/127\.0\.0\.1:1/);
    // A second start (same worker): no error, the same single node.
    const again = await createRemoteBuilder(b, { PATH: process.env.PATH, HOME: process.env.HOME });
    expect(inspect(again).match(/Endpoint:/g)).toHaveLength(1);
    // Another worker's BUILDX_CONFIG does not see this builder.
    const other = remoteBuilderFor({ endpoints: ["tcp://127.0.0.1:1"], workerId: "w3", cacheDir });
    expect(() =>
      execFileSync("docker", ["buildx", "inspect", b.name], { env: { ...env, BUILDX_CONFIG: other.configDir }, stdio: "pipe" }),
    ).toThrow(/no builder/);
  });

  it("a failing create says which endpoint", async () => {
    const b = { ...remoteBuilderFor({ endpoints: ["tcp://127.0.0.1:1"], workerId: "w4", cacheDir }), name: "bad name!" };
    await expect(createRemoteBuilder(b, { PATH: process.env.PATH })).rejects.toThrow(
      /docker buildx create failed for tcp:\/\/127\.0\.0\.1:1: .+/,
    );
  });
});
