// checkoutCommit with GitHub credentials, against a smart-HTTP git server that serves a private
// repository only with a token: the token reaches the farm's git host and nothing else.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GitHttpServer, TestGitServer } from "@slipway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutCommit } from "../src/checkout-commit";
import { UserFailure } from "../src/failures";

const TOKEN = "ghs_checkoutAuthTestToken0123456789";
const basic = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
let git: TestGitServer;
let host: GitHttpServer;
let dir: string;
let sha: string;
let n = 0;
beforeAll(async () => {
  git = await TestGitServer.start();
  sha = git.commit("acme/secret", { "hello.txt": "private\n" });
  host = await GitHttpServer.start({ root: git.root, allows: (t, repo) => t === TOKEN && repo === "acme/secret" });
  dir = mkdtempSync(join(tmpdir(), "slipway-checkout-auth-"));
});
afterAll(async () => {
  await host?.close();
  await git?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const checkout = (o: { base: string; token?: string; env?: NodeJS.ProcessEnv }) => {
  const dest = join(dir, `dest-${++n}`);
  return checkoutCommit({
    cacheDir: join(dir, `cache-${n}`),
    githubId: 7n,
    cloneUrl: `${o.base}/acme/secret.git`,
    protocols: ["http"],
    sha,
    on: "refs/heads/main",
    destDir: dest,
    env: { PATH: process.env.PATH, ...o.env },
    onLine: () => {},
    ...(o.token ? { auth: { token: o.token, gitBaseUrl: o.base } } : {}),
  }).then(() => readFileSync(join(dest, "hello.txt"), "utf8"));
};

describe("checkoutCommit with a token", () => {
  it("fetches a private repository with the token as Basic x-access-token", async () => {
    const before = host.requests.length;
    expect(await checkout({ base: host.baseUrl, token: TOKEN })).toBe("private\n");
    const seen = host.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.authorization === basic && r.status === 200)).toBe(true);
  });

  it("without a token: the user's failure, repository not found or access denied", async () => {
    const err = await checkout({ base: host.baseUrl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFailure);
    expect((err as Error).message).toContain("repository not found or access denied");
  });

  it("keeps git config the operator set through the environment (insteadOf still applies)", async () => {
    // The operator points a placeholder host at the real one; the header is scoped to the
    // configured base, so it is sent only once the URL matches it.
    const env = {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: `url.${host.baseUrl}/.insteadOf`,
      GIT_CONFIG_VALUE_0: "http://git.example.invalid/",
    };
    expect(await checkout({ base: "http://git.example.invalid", token: TOKEN, env }).catch((e: unknown) => (e as Error).message)).toContain(
      "repository not found or access denied",
    );
    expect(await checkout({ base: host.baseUrl, token: TOKEN, env })).toBe("private\n");
  });

  it("ATTACK: the farm's git host redirects elsewhere: the token never reaches the other host", async () => {
    const elsewhere = await GitHttpServer.start({ root: git.root, allows: () => true });
    const redirecting = await GitHttpServer.start({ root: git.root, allows: () => true, redirectTo: elsewhere.baseUrl });
    try {
      const err = await checkout({ base: redirecting.baseUrl, token: TOKEN }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(redirecting.requests.length).toBeGreaterThan(0);
      expect(elsewhere.authorizations).toEqual([]);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });
});
