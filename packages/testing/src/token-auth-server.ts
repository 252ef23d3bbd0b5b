import { writeSelfSignedCert } from "@slipway/registry-auth";
import { createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";

interface TokenRequest {
  scopes: string[];
  service: string | null;
  user: string | undefined;
}

export interface TokenServer {
  /** YAML for the registry's `auth:` block (indented by two spaces). */
  authYaml: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

/**
 * A Docker token-auth server of the test's own, standing in for GHCR's and Docker Hub's token
 * services (which tests cannot reach): it signs RS256 JWTs with a self-signed
 * certificate (made with openssl) that the registry trusts through `rootcertbundle`, and
 * grants the requested scopes only to the one user with the right password.
 */
export async function startTokenServer(dir: string, user: { username: string; password: string }): Promise<TokenServer> {
  const keyPath = join(dir, "token.key");
  const certPath = join(dir, "token.crt");
  writeSelfSignedCert(keyPath, certPath, "slipway-test-token");
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = new X509Certificate(readFileSync(certPath)).raw.toString("base64");
  const service = "slipway-test-registry";
  const issuer = "slipway-test-issuer";
  const requests: TokenRequest[] = [];
  const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://token");
    const scopes = url.searchParams.getAll("scope");
    const auth = req.headers.authorization;
    const [name, password] = auth?.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString().split(":") : [];
    requests.push({ scopes, service: url.searchParams.get("service"), user: name });
    if (name !== undefined && (name !== user.username || password !== user.password)) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "bad credentials" }));
      return;
    }
    // Anonymous callers get a token with no access at all, as public registries do for private repos.
    const access =
      name === undefined
        ? []
        : scopes.map((scope) => {
            const [type = "", rest = ""] = [scope.slice(0, scope.indexOf(":")), scope.slice(scope.indexOf(":") + 1)];
            const cut = rest.lastIndexOf(":");
            return { type, name: rest.slice(0, cut), actions: rest.slice(cut + 1).split(",") };
          });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url({ typ: "JWT", alg: "RS256", x5c: [certDer] });
    const claims = b64url({
      iss: issuer,
      sub: name ?? "",
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    });
    const signature = sign("sha256", Buffer.from(`${header}.${claims}`), key).toString("base64url");
    // Docker Hub answers both fields; answer only access_token to prove the client accepts it.
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ access_token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("token server has no address");
  const realm = `http://127.0.0.1:${address.port}/token`;
  return {
    authYaml: `  token:\n    realm: ${realm}\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${certPath}\n`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
