import { describe, expect, it } from "vitest";
import { parseBuildConfig } from "./build-config";
import { UserFailure } from "./failures";

const fails = (text: string) => {
  try {
    parseBuildConfig(text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserFailure);
    return (err as Error).message;
  }
  throw new Error("expected a UserFailure");
};

describe(".slipway.yml", () => {
  it("defaults when absent or empty", () => {
    const d = { dockerfile: "Dockerfile", context: ".", buildArgs: {}, publish: [], publishPullRequests: false, secrets: [] };
    expect(parseBuildConfig(undefined)).toEqual(d);
    expect(parseBuildConfig("")).toEqual(d);
    expect(parseBuildConfig("# nothing\n")).toEqual(d);
  });

  it("reads every field; build arg values become strings", () => {
    expect(
      parseBuildConfig(
        "dockerfile: docker/Dockerfile.prod\ncontext: app\ntarget: runtime\nbuildArgs: { VERSION: 1.2, DEBUG: false, NAME: x }\npublish:\n  - image: ghcr.io/acme/app\n  - image: registry.example.com:5000/team/app\npublishPullRequests: true\nsecrets: [NPM_TOKEN, _pip_conf2]\n",
      ),
    ).toEqual({
      dockerfile: "docker/Dockerfile.prod",
      context: "app",
      target: "runtime",
      buildArgs: { VERSION: "1.2", DEBUG: "false", NAME: "x" },
      publish: [{ image: "ghcr.io/acme/app" }, { image: "registry.example.com:5000/team/app" }],
      publishPullRequests: true,
      secrets: ["NPM_TOKEN", "_pip_conf2"],
    });
  });

  it.each([
    ["dockerfile: /etc/passwd\n", "dockerfile: dockerfile must be a path inside the repository"],
    ["context: ../..\n", "context: context must be a path inside the repository"],
    ["dockerfile: a/../../b\n", "dockerfile: dockerfile must be a path inside the repository"],
    ["target: 'bad stage'\n", "target: must be a build stage name"],
    ["buildArgs: { 'BAD-NAME': 1 }\n", "buildArgs.BAD-NAME: build arg names are letters, digits and _"],
    ["publish:\n  - image: ghcr.io/acme/app:latest\n", "publish.0.image: must be a registry host and repository"],
    ["publish:\n  - { image: ghcr.io/a/b, tags: [x] }\n", 'publish.0: Unrecognized key: "tags"'],
    ["dockerfiel: Dockerfile\n", '(top level): Unrecognized key: "dockerfiel"'],
    ["dockerfile: [1, 2]\n", "dockerfile: Invalid input"],
    ["immutableTags: false\n", "(top level): Unrecognized key"],
    ["secrets: [NPM-TOKEN]\n", "secrets.0: must be letters, digits and _, not starting with a digit, at most 100 characters"],
    ["secrets: [1TOKEN]\n", "secrets.0: must be letters, digits and _"],
    ["secrets: [A, B, A]\n", "secrets: each secret is listed once"],
    ["secrets: NPM_TOKEN\n", "secrets: Invalid input: expected array"],
  ])("rejects %j naming the field", (text, message) => {
    expect(fails(text)).toContain(message);
  });

  it("rejects YAML that does not parse, and duplicate keys", () => {
    expect(fails("dockerfile: [unclosed\n")).toMatch(/^\.slipway\.yml is not valid YAML: /);
    expect(fails("target: a\ntarget: b\n")).toMatch(/^\.slipway\.yml is not valid YAML: .*(unique|duplicate)/i);
  });

  // Found by build-config.fuzz.test.ts: both were ReferenceErrors, which the worker took for a farm failure.
  it("rejects an alias without its anchor, and refuses an alias bomb without expanding it", () => {
    expect(fails("target: *nowhere\n")).toMatch(/^\.slipway\.yml is not valid YAML: Unresolved alias/);
    const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i <= 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    expect(fails(lines.join("\n"))).toMatch(/^\.slipway\.yml is not valid YAML: Excessive alias count/);
  });
});
