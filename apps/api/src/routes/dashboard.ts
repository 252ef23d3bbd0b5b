import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import { AppError } from "@slipway/contracts";
import type { FastifyInstance } from "fastify";
import { MAX_PARAM_LENGTH } from "../error-handler";

/** Paths that belong to the api: never answered with the dashboard's page. */
const API_PATHS = /^\/(api|webhooks|healthz|readyz|registry|metrics)(\/|$|\?)/;

// The dashboard loads only its own files and talks only to this origin; nothing may frame it.
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * Serves the dashboard's build (apps/dashboard/dist, made by `vite build`) at `/`. Hashed
 * assets are cached for a year; index.html never, so a new build is picked up at once. Any
 * other GET that is not an api path and asks for HTML gets index.html (the dashboard's own
 * routes, e.g. /builds/<id>); everything else keeps the api's JSON 404.
 */
export async function registerDashboard(app: FastifyInstance, { root }: { root: string }): Promise<void> {
  if (!existsSync(join(root, "index.html"))) {
    app.log.warn({ root }, "the dashboard is not built (npm run build -w @slipway/dashboard): / is not served");
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: ["index.html"],
    setHeaders: (reply, path) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      reply.header("cache-control", /[/\\]assets[/\\]/.test(path) ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  app.get("/*", { schema: { hide: true } }, async (req, reply) => {
    if (API_PATHS.test(req.url)) {
      // This route caught it because the api route's parameter was too long for the router: the
      // same answer as without the dashboard (the router's own refusal, see error-handler.ts).
      if (
        req.url
          .split("?")[0]!
          .split("/")
          .some((segment) => segment.length > MAX_PARAM_LENGTH)
      )
        throw new AppError("uri_too_long", `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
      return reply.callNotFound();
    }
    if (!(req.headers.accept ?? "").includes("text/html")) return reply.callNotFound();
    return reply.sendFile("index.html");
  });
}
