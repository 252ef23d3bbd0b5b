import { describe, expect, it } from "vitest";
import { classifyBuildFailure } from "./classify-failure";
import { InfrastructureFailure, UserFailure } from "./failures";

const classify = (errorLine: string, failedStepError?: string) =>
  classifyBuildFailure({
    exitCode: 1,
    textLines: ["Dockerfile:2", "--------------------", errorLine],
    failedStep: failedStepError
      ? {
          index: 4,
          vertexDigest: "sha256:x",
          name: "[2/2] RUN make",
          startedAt: null,
          completedAt: null,
          cached: false,
          error: failedStepError,
        }
      : undefined,
    dockerfile: "docker/Dockerfile",
  });

// The error lines are BuildKit's / buildx's own wording, as seen on Docker 26 + buildx 0.13.
describe("classifyBuildFailure", () => {
  it.each([
    [
      "ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory",
      "Dockerfile not found: docker/Dockerfile",
    ],
    [
      "ERROR: failed to solve: dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)",
      "Dockerfile syntax error in docker/Dockerfile line 2: unknown instruction: RUNN (did you mean RUN?)",
    ],
    [
      'ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
      "step [2/2] RUN make failed with exit code 2",
    ],
    [
      "ERROR: failed to solve: 127.0.0.1:5000/base/nope:1: failed to resolve source metadata for 127.0.0.1:5000/base/nope:1: 127.0.0.1:5000/base/nope:1: not found",
      "base image not found: 127.0.0.1:5000/base/nope:1",
    ],
    [
      'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref abc::def: "/missing.txt": not found',
      "source path not found in the build context: /missing.txt",
    ],
    ['ERROR: failed to solve: target stage "nope" could not be found', 'docker/Dockerfile: target stage "nope" could not be found'],
    ["ERROR: failed to solve: failed to load cache key: invalid response status 401", "ADD <url> failed: the URL answered HTTP 401"],
    [
      'ERROR: failed to solve: failed to load LLB: error evaluating the source policy: source "http://169.254.169.254/latest/" denied by policy: source denied by policy',
      "http://169.254.169.254/latest/: this farm does not let builds fetch from loopback, private or link-local addresses",
    ],
    ["ERROR: failed to solve: failed to load cache key: invalid response status 404", "ADD <url> failed: the URL answered HTTP 404"],
  ])("user: %s", (line, message) => {
    const f = classify(
      line,
      line.includes("exit code") ? 'process "/bin/sh -c make" did not complete successfully: exit code: 2' : undefined,
    );
    expect(f).toBeInstanceOf(UserFailure);
    expect(f.message).toContain(message);
  });

  it.each([
    "ERROR: Cannot connect to the Docker daemon at unix:///run/docker.sock. Is the docker daemon running?",
    "ERROR: failed to solve: failed to push 127.0.0.1:5000/a/b:build-1: unexpected status from PUT request to http://127.0.0.1:5000/v2/a/b/manifests/build-1: 500 Internal Server Error",
    'ERROR: failed to solve: 127.0.0.1:5000/base/a:1: failed to resolve source metadata for 127.0.0.1:5000/base/a:1: failed to do request: Head "http://127.0.0.1:5000/v2/base/a/manifests/1": dial tcp 127.0.0.1:5000: connect: connection refused',
    "ERROR: failed to solve: write /var/lib/docker/x: no space left on device",
    "something nobody has seen before",
  ])("infrastructure: %s", (line) => {
    expect(classify(line)).toBeInstanceOf(InfrastructureFailure);
  });

  it.each([
    [
      "ERROR: failed to receive status: rpc error: code = Unavailable desc = error reading from server: EOF",
      "failed to receive status: rpc error: code = Unavailable desc = error reading from server: EOF",
    ],
    ["ERROR: failed to solve: Unavailable: error reading from server: EOF", "Unavailable: error reading from server: EOF"],
  ])("the daemon going away mid-build is named as such, and retried: %s", (line, detail) => {
    const f = classify(line);
    expect(f).toBeInstanceOf(InfrastructureFailure);
    expect(f.message).toBe(`lost the connection to the Docker daemon mid-build (it stopped or restarted): ${detail}`);
  });

  it("a non-zero exit is the user's even when the command line reads like an infrastructure error", () => {
    const f = classify(
      'ERROR: failed to solve: process "/bin/sh -c cp a b || (echo failed to copy: connection refused; exit 4)" did not complete successfully: exit code: 4',
    );
    expect(f).toBeInstanceOf(UserFailure);
    expect(f.message).toContain("failed with exit code 4");
  });

  it("a failed step in words we do not know is retried as infrastructure, naming the step", () => {
    const f = classify("ERROR: failed to solve: weird frontend thing", "weird frontend thing");
    expect(f).toBeInstanceOf(InfrastructureFailure);
    expect(f.message).toBe("step [2/2] RUN make: weird frontend thing");
  });

  it.each([
    "ERROR: failed to solve: context canceled",
    "ERROR: failed to solve: rpc error: code = Unavailable desc = error reading from server: EOF",
    "ERROR: failed to solve: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process",
  ])("a daemon-side step error is infrastructure: %s", (line) => {
    expect(classify(line, line.replace(/^ERROR: failed to solve: /, ""))).toBeInstanceOf(InfrastructureFailure);
  });
});
