// dockerDaemonDown against the test profile's real Docker daemon, a socket path where none
// listens, and a TCP port where nothing listens.
import { freePort, testEnv } from "@slipway/testing";
import { describe, expect, it } from "vitest";
import { dockerDaemonDown } from "./docker-daemon-down";

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
