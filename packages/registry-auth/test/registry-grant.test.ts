import { decodeJwt, decodeProtectedHeader } from "jose";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  answerTokenRequest,
  buildRegistryAccess,
  internalRegistryLogin,
  loadTokenSigner,
  mintRegistryCredential,
  verifyRegistryCredential,
  writeSelfSignedCert,
} from "../src/index";

const SECRET = "registry-secret-0123456789abcdef0123456789";
const dir = mkdtempSync(join(tmpdir(), "slipway-regauth-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("registry grants", () => {
  const cred = mintRegistryCredential(SECRET, { sub: "build-b1", access: buildRegistryAccess(42n, ["base/*"]), ttlSeconds: 60 });

  it("verify what was minted; refuse forged, altered, other-secret and expired ones", () => {
    expect(verifyRegistryCredential(SECRET, cred.username, cred.password)?.access.map((a) => a.name)).toEqual([
      "github/42",
      "github/42/cache",
      "base/*",
    ]);
    expect(verifyRegistryCredential("another-secret-0123456789abcdef0123", cred.username, cred.password)).toBeUndefined();
    expect(verifyRegistryCredential(SECRET, "build-other", cred.password)).toBeUndefined();
    const [v, payload, mac] = cred.password.split(".") as [string, string, string];
    const widened = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, "base64url").toString()),
        access: [{ name: "github/*", actions: ["pull", "push"] }],
      }),
    ).toString("base64url");
    expect(verifyRegistryCredential(SECRET, cred.username, `${v}.${widened}.${mac}`)).toBeUndefined();
    const expired = mintRegistryCredential(SECRET, { sub: "x", access: [], ttlSeconds: -1 });
    expect(verifyRegistryCredential(SECRET, expired.username, expired.password)).toBeUndefined();
    expect(verifyRegistryCredential(SECRET, "x", "not a credential")).toBeUndefined();
  });
});

describe("the token service", () => {
  writeSelfSignedCert(join(dir, "k.pem"), join(dir, "c.pem"), "t");
  const signer = loadTokenSigner(join(dir, "k.pem"), join(dir, "c.pem"));
  const basic = (c: { username: string; password: string }) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  const cred = mintRegistryCredential(SECRET, { sub: "build-b1", access: buildRegistryAccess(42n, ["base/*"]), ttlSeconds: 60 });

  it("grants only the intersection of what is asked and what the credential allows", async () => {
    const answer = await answerTokenRequest(signer, SECRET, {
      authorization: basic(cred),
      service: "slipway-registry",
      scopes: [
        "repository:github/42:pull,push",
        "repository:github/42/cache:pull,push,delete",
        "repository:base/busybox:pull,push",
        "registry:catalog:*",
      ],
    });
    expect(answer.status).toBe(200);
    if (answer.status !== 200) return;
    const claims = decodeJwt(answer.body.token);
    expect(decodeProtectedHeader(answer.body.token)).toMatchObject({ alg: "RS256", x5c: [signer.certificateDer] });
    expect(claims).toMatchObject({ iss: "slipway", aud: "slipway-registry", sub: "build-b1" });
    expect(claims.access).toEqual([
      { type: "repository", name: "github/42", actions: ["pull", "push"] },
      { type: "repository", name: "github/42/cache", actions: ["pull", "push"] },
      { type: "repository", name: "base/busybox", actions: ["pull"] },
    ]);
  });

  it("pull on another repository only beside a push of its own (a cross-repository mount), never alone", async () => {
    const token = async (scopes: string[]) => {
      const a = await answerTokenRequest(signer, SECRET, { authorization: basic(cred), service: "slipway-registry", scopes });
      return a.status === 200 ? decodeJwt(a.body.token).access : a.status;
    };
    expect(await token(["repository:github/43:pull"])).toEqual([]);
    expect(await token(["repository:github/43:pull repository:github/42:pull"])).toEqual([
      { type: "repository", name: "github/42", actions: ["pull"] },
    ]);
    expect(await token(["repository:github/43:pull repository:github/42:pull,push"])).toEqual([
      { type: "repository", name: "github/42", actions: ["pull", "push"] },
      { type: "repository", name: "github/43", actions: ["pull"] },
    ]);
    // Never push elsewhere; never more than pull on the mount source.
    expect(await token(["repository:github/43:pull,push repository:github/42:push"])).toEqual([
      { type: "repository", name: "github/42", actions: ["push"] },
    ]);
    expect(await token(["repository:tools/x:pull repository:github/42:push"])).toEqual([
      { type: "repository", name: "github/42", actions: ["push"] },
      { type: "repository", name: "tools/x", actions: ["pull"] },
    ]);
  });

  it("delete only for a credential minted with it (the maintenance loop's retention), on the internal registry's host alone", async () => {
    const login = internalRegistryLogin(SECRET, "127.0.0.1:5000", { sub: "retention", actions: ["pull", "push", "delete"] });
    expect(login("ghcr.io")).toBeUndefined();
    const answer = await answerTokenRequest(signer, SECRET, {
      authorization: basic(login("127.0.0.1:5000")!),
      service: "slipway-registry",
      scopes: ["repository:github/42/cache:delete", "repository:base/busybox:delete"],
    });
    expect(answer.status === 200 && decodeJwt(answer.body.token).access).toEqual([
      { type: "repository", name: "github/42/cache", actions: ["delete"] },
    ]);
  });

  it("401 without credentials or with bad ones; 400 for another service", async () => {
    expect((await answerTokenRequest(signer, SECRET, { authorization: undefined, service: null, scopes: [] })).status).toBe(401);
    expect(
      (
        await answerTokenRequest(signer, SECRET, {
          authorization: basic({ ...cred, password: `${cred.password}x` }),
          service: null,
          scopes: [],
        })
      ).status,
    ).toBe(401);
    expect((await answerTokenRequest(signer, SECRET, { authorization: basic(cred), service: "other", scopes: [] })).status).toBe(400);
  });
});
