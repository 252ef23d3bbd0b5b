import http from "node:http";
import { answerTokenRequest, loadTokenSigner } from "@slipway/registry-auth";
import { testEnv } from "./test-env";

/**
 * The internal registry's token realm for a test run: the same answerTokenRequest the api
 * serves at /registry/token, on the fixed port infra/services.sh wrote into the registry's
 * config (test apis listen on random ports, so none of them can be the realm).
 */
export async function startRegistryTokenServer(): Promise<{ close: () => Promise<void> }> {
  const signer = loadTokenSigner(testEnv.registryTokenKey, testEnv.registryTokenCert);
  const secret = testEnv.registrySecret;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://token");
    void answerTokenRequest(signer, secret, {
      authorization: req.headers.authorization,
      service: url.searchParams.get("service"),
      scopes: url.searchParams.getAll("scope"),
    })
      .then((a) => res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body)))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(new Error(`the registry token server cannot listen on 127.0.0.1:${testEnv.registryAuthPort}: ${err.message}`)),
    );
    server.listen(testEnv.registryAuthPort, "127.0.0.1", resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
