import { grantedActions, verifyRegistryCredential } from "./registry-grant";
import { issueRegistryToken, TOKEN_TTL_S, type TokenAccess, type TokenSigner } from "./issue-registry-token";

export interface TokenRequest {
  authorization: string | undefined;
  /** the query's `service` */
  service: string | null;
  /** every `scope` of the query, e.g. "repository:github/42:pull,push" */
  scopes: string[];
}

export type TokenAnswer =
  | { status: 200; body: { token: string; access_token: string; expires_in: number; issued_at: string } }
  | { status: 400 | 401; body: { errors: { code: string; message: string }[] } };

const SCOPE = /^repository:([a-z0-9._/-]+):([a-z,*]+)$/;

/**
 * GET <realm>?service=...&scope=... — the Docker token protocol, for the internal registry.
 * Basic credentials must be a valid, unexpired grant (see mintRegistryCredential); the token
 * carries the intersection of what was asked and what the grant allows. Asking for more is not
 * an error (the registry then refuses the request itself, 401/denied), as with Docker Hub.
 */
export async function answerTokenRequest(signer: TokenSigner, secret: string, req: TokenRequest): Promise<TokenAnswer> {
  const fail = (status: 400 | 401, code: string, message: string): TokenAnswer => ({ status, body: { errors: [{ code, message }] } });
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.authorization ?? "");
  if (!basic) return fail(401, "UNAUTHORIZED", "the internal registry needs credentials (Basic), which the farm gives each build");
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const grant = colon < 0 ? undefined : verifyRegistryCredential(secret, decoded.slice(0, colon), decoded.slice(colon + 1));
  if (!grant) return fail(401, "UNAUTHORIZED", "invalid or expired registry credentials");
  if (req.service !== null && req.service !== signer.service)
    return fail(400, "INVALID_REQUEST", `unknown service ${JSON.stringify(req.service).slice(0, 80)}`);

  const asked = req.scopes
    .flatMap((s) => s.split(" "))
    .filter(Boolean)
    .map((s) => SCOPE.exec(s))
    .filter((m) => m !== null);
  const access: TokenAccess[] = [];
  for (const m of asked) {
    const actions = grantedActions(grant, m[1]!, m[2]!.split(","));
    if (actions.length) access.push({ type: "repository", name: m[1]!, actions });
  }
  // Cross-repository mounts. When a daemon pushes a layer it already holds from another
  // repository's push, its pusher asks, in ONE request, push on the target and pull on that
  // source, and Distribution refuses the mount (401) unless the token has both; BuildKit then
  // fails the push instead of uploading (measured: "insufficient_scope" on the second of two
  // repositories sharing a base layer, and on any build whose layers were once pushed to a
  // path outside its grant, such as an operator's own image). So pull on another repository
  // is granted only beside a push the grant allows. What a Dockerfile can make BuildKit fetch
  // (FROM, COPY --from) asks pull alone and still gets nothing; the credential itself never
  // reaches build steps (a 0600 file of the worker's), and a mount only links a blob the
  // pusher already has, by digest.
  const pushesOwn = access.some((a) => a.actions.includes("push"));
  if (pushesOwn) {
    for (const m of asked) {
      if (access.some((a) => a.name === m[1]) || m[2] !== "pull") continue;
      access.push({ type: "repository", name: m[1]!, actions: ["pull"] });
    }
  }
  const token = await issueRegistryToken(signer, grant.sub, access);
  return { status: 200, body: { token, access_token: token, expires_in: TOKEN_TTL_S, issued_at: new Date().toISOString() } };
}
