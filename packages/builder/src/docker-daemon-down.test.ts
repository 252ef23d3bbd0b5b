// dockerDaemonDown against the test profile's real Docker daemon, a socket path where none
// listens, and a TCP port where nothing listens.
import { createServer } from "node:net";
import { freePort, testEnv } from "@slipway/testing";
import { describe, expect, it } from "vitest";
import { buildHostDown, buildkitDown, dockerDaemonDown } from "./docker-daemon-down";

describe("dockerDaemonDown", () => {
  it("is quiet for a daemon that answers, names the cause for one that does not", async () => {
    expect(await dockerDaemonDown({ DOCKER_HOST: testEnv.dockerHost })).toBeUndefined();
    expect(await dockerDaemonDown({ DOCKER_HOST: "unix:///run/slipway-no-such-daemon/docker.sock" })).toBe(
      "its Docker daemon does not answer (ENOENT)",
    );
    const port = await freePort();
    expect(await dockerDaemonDown({ DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe("its Docker daemon does not answer (ECONNREFUSED)");
    expect(await dockerDaemonDown({ DOCKER_HOST: `tcp://[::1]:${port}` })).toMatch(/does not answer \((ECONNREFUSED|EADDRNOTAVAIL)\)/);
  });

  it("cannot tell without DOCKER_HOST (a docker context may point anywhere) or over ssh, and then does not hold builds back", async () => {
    expect(await dockerDaemonDown({})).toBeUndefined();
    expect(await dockerDaemonDown({ DOCKER_HOST: "ssh://builder@host" })).toBeUndefined();
  });
});

describe("buildkitDown / buildHostDown", () => {
  it("a remote builder is down when no connection can be made to its endpoint, and the reason names it", async () => {
    const port = await freePort();
    expect(await buildkitDown(`tcp://127.0.0.1:${port}`)).toBe(
      `its BuildKit builder tcp://127.0.0.1:${port} does not answer (ECONNREFUSED)`,
    );
    expect(await buildkitDown("unix:///run/slipway-no-such-buildkitd/buildkitd.sock")).toBe(
      "its BuildKit builder unix:///run/slipway-no-such-buildkitd/buildkitd.sock does not answer (ENOENT)",
    );
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const open = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await buildkitDown(open)).toBeUndefined();
      // With a remote builder, the Docker daemon is not what is checked (and the reverse).
      const builder = { name: "slipway-x", endpoint: open, configDir: "/nonexistent" };
      expect(
        await buildHostDown({ env: { DOCKER_HOST: "unix:///run/slipway-no-such-daemon/docker.sock" }, buildkit: builder }),
      ).toBeUndefined();
      expect(
        await buildHostDown({ env: { DOCKER_HOST: testEnv.dockerHost }, buildkit: { ...builder, endpoint: `tcp://127.0.0.1:${port}` } }),
      ).toMatch(/BuildKit builder .* does not answer \(ECONNREFUSED\)/);
      expect(await buildHostDown({ env: { DOCKER_HOST: "unix:///run/slipway-no-such-daemon/docker.sock" } })).toBe(
        "its Docker daemon does not answer (ENOENT)",
      );
    } finally {
      server.close();
    }
  });
});
