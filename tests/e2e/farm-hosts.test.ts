// `npm run farm`'s SLIPWAY_HOSTS is checked before anything is installed or started: a bad
// value, or a DOCKER_HOST that several hosts could not share, stops it with the reason. (The
// farm with several hosts itself was run by hand: it needs the farm profile's fixed ports.)
// Every run has SLIPWAY_FARM_CHECK=1: were a check to let a bad value through, the script
// would stop after its checks instead of starting services.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const farmScript = fileURLToPath(new URL("../../infra/farm.sh", import.meta.url));
const farm = (env: Record<string, string>) => {
  const res = spawnSync("bash", [farmScript], {
    env: { PATH: process.env.PATH, SLIPWAY_FARM_CHECK: "1", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: res.status, stderr: res.stderr };
};

describe("npm run farm: SLIPWAY_HOSTS", () => {
  it("must be a whole number from 1 to 16", () => {
    for (const bad of ["0", "17", "two", "1.5", "-1"]) {
      const res = farm({ SLIPWAY_HOSTS: bad });
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(`SLIPWAY_HOSTS must be a whole number from 1 to 16 (got '${bad}')`);
    }
  });

  it("good settings pass the check, which starts nothing", () => {
    const res = farm({ SLIPWAY_HOSTS: "3" });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toContain("settings are valid (SLIPWAY_FARM_CHECK=1: nothing started)");
  });

  it("a remote BuildKit endpoint is refused: the farm builds on the daemons it starts", () => {
    const res = farm({ SLIPWAY_BUILDKIT_ENDPOINT: "tcp://buildkitd:1234" });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("SLIPWAY_BUILDKIT_ENDPOINT is set: npm run farm builds on the Docker daemons it starts");
  });

  it("several hosts with a DOCKER_HOST of the environment is an error that says so", () => {
    const res = farm({ SLIPWAY_HOSTS: "2", DOCKER_HOST: "unix:///run/docker.sock" });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      "DOCKER_HOST is set (unix:///run/docker.sock) and SLIPWAY_HOSTS=2: the farm starts a daemon per host itself",
    );
  });
});
