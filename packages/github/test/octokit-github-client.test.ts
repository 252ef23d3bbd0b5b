import { createSign, generateKeyPairSync } from "node:crypto";
import { GithubStandIn } from "@slipway/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classifyGithubError } from "../src/classify-github-error";
import { OctokitGithubClient } from "../src/octokit-github-client";

const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const fields = { status: "queued" as const, external_id: "b1", output: { title: "Queued", summary: "Waiting" } };
let gh: GithubStandIn;
let app: OctokitGithubClient;

beforeEach(async () => {
  gh = await GithubStandIn.start();
  gh.installApp("acme/app");
  gh.installApp("acme/other");
  app = new OctokitGithubClient({ apiUrl: gh.url, auth: { kind: "app", appId: gh.appId, privateKey: gh.privateKeyPem } });
});
afterEach(async () => {
  await gh.close();
});

const error = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a failure");
    },
    (err: unknown) => err,
  );

describe("GitHub App credentials", () => {
  it("git gets an installation token narrowed to the one repository and contents:read, cached while it lives", async () => {
    const token = await app.gitToken("acme/app");
    expect(token).toMatch(/^ghs_/);
    expect(gh.issuedTokens).toHaveLength(1);
    expect(gh.issuedTokens[0]).toMatchObject({ token, repositories: ["acme/app"], permissions: { contents: "read", metadata: "read" } });
    expect(gh.requests.map((r) => [r.method, r.path, r.auth.kind, r.status])).toEqual([
      ["GET", "/repos/acme/app/installation", "jwt", 200],
      ["POST", `/app/installations/${gh.issuedTokens[0]!.installationId}/access_tokens`, "jwt", 201],
    ]);
    expect(gh.requests[1]!.body).toEqual({ repositories: ["app"], permissions: { contents: "read" } });
    expect(gh.allowsGit(token!, "acme/app")).toBe(true);
    expect(gh.allowsGit(token!, "acme/other")).toBe(false);
    // Cached: no second token, no second installation lookup.
    expect(await app.gitToken("acme/app")).toBe(token);
    expect(gh.requests).toHaveLength(2);
  });

  it("a token about to expire is not reused", async () => {
    gh.tokenTtlSeconds = 120; // under the 5-minute margin
    const first = await app.gitToken("acme/app");
    const second = await app.gitToken("acme/app");
    expect(second).not.toBe(first);
    expect(gh.issuedTokens).toHaveLength(2);
  });

  it("a repository the App is not installed on gets no token", async () => {
    expect(await app.gitToken("acme/nope")).toBeUndefined();
    expect(gh.issuedTokens).toHaveLength(0);
  });

  it("check runs use a token with checks:write only; GitHub's validation errors are permanent", async () => {
    const id = await app.createCheckRun("acme/app", SHA, "slipway", fields);
    expect(gh.checkRuns.get(id)).toMatchObject({
      name: "slipway",
      head_sha: SHA,
      status: "queued",
      external_id: "b1",
      output: { title: "Queued", summary: "Waiting" },
    });
    const tokenRequest = gh.requests.find((r) => r.path.endsWith("/access_tokens"))!;
    expect(tokenRequest.body).toEqual({ repositories: ["app"], permissions: { checks: "write" } });
    const create = gh.requests.find((r) => r.path === "/repos/acme/app/check-runs")!;
    expect(create.auth.kind).toBe("installation");
    expect(gh.issuedTokens.find((t) => t.token === create.auth.token)!.permissions).toEqual({ checks: "write", metadata: "read" });

    await app.updateCheckRun("acme/app", id, {
      ...fields,
      status: "completed",
      conclusion: "success",
      completed_at: "2026-11-28T10:00:00Z",
    });
    expect(gh.checkRuns.get(id)).toMatchObject({ status: "completed", conclusion: "success" });
    const err = await error(app.updateCheckRun("acme/app", id, { ...fields, status: "completed" }));
    expect(classifyGithubError(err)).toMatchObject({ kind: "permanent", message: expect.stringContaining("422") });
    // A token for acme/app cannot touch acme/other's check runs.
    expect(classifyGithubError(await error(app.updateCheckRun("acme/other", id, fields)))).toMatchObject({
      kind: "permanent",
      message: expect.stringContaining("404"),
    });
  });

  it("a JWT signed with another key, or outside GitHub's 10-minute rule, is refused with 401", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const wrong = new OctokitGithubClient({
      apiUrl: gh.url,
      auth: { kind: "app", appId: gh.appId, privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString() },
    });
    const err = await error(wrong.gitToken("acme/app"));
    expect(classifyGithubError(err)).toMatchObject({ kind: "permanent", message: expect.stringContaining("401") });
    const now = Math.floor(Date.now() / 1000);
    const jwt = (claims: object) => {
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const data = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}`;
      return `${data}.${createSign("RSA-SHA256").update(data).sign(gh.privateKeyPem).toString("base64url")}`;
    };
    const ask = async (token: string) => {
      const res = await fetch(`${gh.url}/repos/acme/app/installation`, { headers: { authorization: `Bearer ${token}` } });
      return [res.status, ((await res.json()) as { message: string }).message];
    };
    expect(await ask(jwt({ iss: gh.appId, iat: now - 30, exp: now + 540 }))).toEqual([200, undefined]);
    expect(await ask(jwt({ iss: gh.appId, iat: now - 30, exp: now + 900 }))).toEqual([
      401,
      "'Expiration time' claim ('exp') is too far in the future",
    ]);
    expect((await ask(jwt({ iss: gh.appId, iat: now - 700, exp: now - 100 })))[0]).toBe(401);
    expect((await ask(jwt({ iss: "1", iat: now - 30, exp: now + 540 })))[0]).toBe(401);
  });
});

describe("a personal access token", () => {
  it("is git's token and reports commit statuses; a wrong one is refused", async () => {
    gh.addPersonalAccessToken("ghp_0123456789abcdefghijklmnopqrstuvwxyz");
    const pat = new OctokitGithubClient({ apiUrl: gh.url, auth: { kind: "token", token: "ghp_0123456789abcdefghijklmnopqrstuvwxyz" } });
    expect(await pat.gitToken("acme/app")).toBe("ghp_0123456789abcdefghijklmnopqrstuvwxyz");
    await pat.createCommitStatus("acme/app", SHA, {
      state: "pending",
      description: "Queued",
      context: "slipway",
      target_url: "https://slipway.example.com/builds/1",
    });
    expect(gh.statuses).toEqual([
      {
        repository: "acme/app",
        sha: SHA,
        state: "pending",
        description: "Queued",
        target_url: "https://slipway.example.com/builds/1",
        context: "slipway",
      },
    ]);
    expect(gh.requests.at(-1)).toMatchObject({
      method: "POST",
      path: `/repos/acme/app/statuses/${SHA}`,
      auth: { kind: "pat" },
      status: 201,
    });
    const bad = new OctokitGithubClient({ apiUrl: gh.url, auth: { kind: "token", token: "ghp_wrongwrongwrongwrongwrongwrong" } });
    expect(
      classifyGithubError(
        await error(bad.createCommitStatus("acme/app", SHA, { state: "success", description: "ok", context: "slipway" })),
      ),
    ).toMatchObject({ kind: "permanent" });
    expect(gh.requests.at(-1)).toMatchObject({ auth: { kind: "invalid" }, status: 401 });
  });
});

describe("classifyGithubError", () => {
  it("502 retries; a primary rate limit waits for x-ratelimit-reset; a secondary one for retry-after", async () => {
    gh.failNext(1, "502");
    expect(classifyGithubError(await error(app.gitToken("acme/app")))).toMatchObject({ kind: "retry" });
    gh.failNext(1, "rate-limit");
    const limited = classifyGithubError(await error(app.gitToken("acme/app")));
    expect(limited.kind).toBe("rate-limited");
    expect(limited.kind === "rate-limited" && limited.until).toBeGreaterThan(Date.now());
    gh.failNext(1, "secondary-rate-limit");
    const secondary = classifyGithubError(await error(app.gitToken("acme/app")), Date.now());
    expect(secondary.kind === "rate-limited" && secondary.until - Date.now()).toBeGreaterThan(500);
    expect(classifyGithubError(new TypeError("fetch failed"))).toMatchObject({ kind: "retry" });
    // After the failures the same client works.
    expect(await app.gitToken("acme/app")).toMatch(/^ghs_/);
  });
});
