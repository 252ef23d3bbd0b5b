import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticateToken, requireScope, type Principal } from "@slipway/auth";
import { AppError, CSRF_HEADER, SESSION_COOKIE, ZCreateSessionBody, ZSession, type TSession } from "@slipway/contracts";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiDeps } from "../deps";
import { installAuthorization } from "./authorize";
import { principalOf } from "./principal-of";
import { registerRateLimit } from "./rate-limit";
import { errorAnswers } from "./route-schemas";

const tags = ["session"];

const toSession = (p: Principal, expiresAt: Date | null): TSession => ({
  name: p.name,
  scopes: [...p.scopes],
  repositories: p.repositories ? [...p.repositories] : null,
  expiresAt: expiresAt?.toISOString() ?? null,
});

/** Same rule as cookie-authenticated API calls: no state change without the custom header. */
function requireCsrfHeader(req: FastifyRequest): void {
  if (req.headers[CSRF_HEADER] !== "1") throw new AppError("forbidden", `this request needs the header ${CSRF_HEADER}: 1`);
}

const cookieOptions = (req: FastifyRequest) => ({
  path: "/",
  httpOnly: true,
  sameSite: "strict" as const,
  // Behind a TLS proxy the protocol comes from X-Forwarded-Proto (SLIPWAY_TRUST_PROXY).
  secure: req.protocol === "https",
});

/**
 * /api/v1/session — the dashboard's sign-in. POST takes an API token in the body, checks it
 * like a bearer header would (and that it may read), and answers with an http-only,
 * SameSite=Strict session cookie holding the token sealed (see SessionSealer); the token is
 * never readable by the page's scripts. DELETE signs out (clears the cookie). GET says who is
 * signed in. POST and DELETE sit outside the bearer-token hooks (nobody is signed in yet) but
 * share the per-address rate limit, so the route cannot be used to guess tokens faster.
 */
export async function registerSessionRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  await app.register(async (server) => {
    const open = server.withTypeProvider<ZodTypeProvider>();
    await registerRateLimit(open, deps);
    open.post(
      "/session",
      {
        schema: {
          tags,
          summary: "Sign in with an API token: sets the http-only session cookie",
          security: [],
          body: ZCreateSessionBody,
          response: { 201: ZSession, ...errorAnswers },
        },
        // The header is checked before the body is read (preParsing), as for every cookie write.
        preParsing: async (req, _reply, payload) => {
          requireCsrfHeader(req);
          return payload;
        },
      },
      async (req, reply) => {
        const { token } = req.body;
        const principal = await authenticateToken({ db: deps.db, bootstrapToken: deps.bootstrapToken }, token);
        requireScope(principal, "read");
        const sealed = deps.sessions.seal(token, principal.expiresAt);
        return setCookie(reply, req, sealed.value, sealed.expiresAt).status(201).send(toSession(principal, sealed.expiresAt));
      },
    );
    open.delete(
      "/session",
      {
        schema: {
          tags,
          summary: "Sign out: clears the session cookie",
          security: [],
          response: { 204: z.null().describe("signed out"), ...errorAnswers },
        },
      },
      async (req, reply) => {
        requireCsrfHeader(req);
        return reply.clearCookie(SESSION_COOKIE, cookieOptions(req)).status(204).send(null);
      },
    );
  });

  await app.register(async (authed) => {
    installAuthorization(authed, deps);
    await registerRateLimit(authed, deps);
    authed.get(
      "/session",
      {
        config: { scope: "read" },
        schema: { tags, summary: "Who is signed in", response: { 200: ZSession, ...errorAnswers } },
      },
      async (req) => {
        const cookie = req.viaSession ? req.cookies[SESSION_COOKIE] : undefined;
        return toSession(principalOf(req), cookie ? deps.sessions.open(cookie).expiresAt : null);
      },
    );
  });
}

function setCookie(reply: FastifyReply, req: FastifyRequest, value: string, expiresAt: Date): FastifyReply {
  return reply.header("cache-control", "no-store").setCookie(SESSION_COOKIE, value, { ...cookieOptions(req), expires: expiresAt });
}
