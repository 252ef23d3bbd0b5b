import { AppError, type TApiError } from "@slipway/contracts";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";

declare module "fastify" {
  interface FastifyContextConfig {
    /** the code for a request whose params, query or body fail the route's schema @defaultValue "bad_request" (400) */
    badInput?: "bad_request" | "unprocessable";
  }
}

/** The one place errors become HTTP answers. Internal messages and stacks never leave. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
    const mapped = toAppError(err, req);
    if (mapped.status >= 500) req.log.error({ err }, "request failed");
    else req.log.info({ code: mapped.code, message: mapped.message }, "request rejected");
    const body: TApiError = {
      error: { code: mapped.code, message: mapped.message, ...(mapped.details === undefined ? {} : { details: mapped.details }) },
    };
    void reply.status(mapped.status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const body: TApiError = { error: { code: "not_found", message: `no route ${req.method} ${req.url.split("?")[0]}` } };
    void reply.status(404).send(body);
  });
}

/**
 * Fastify's frameworkErrors: a URL its router refuses before any route (a % not followed by
 * two hex digits of UTF-8, a path parameter over maxParamLength), answered in the API's one
 * error shape like every other refusal. Fastify answered these in a shape of its own
 * (`{"error":"Bad Request","code":"FST_ERR_BAD_URL",...}`); found by fuzzing
 * (test/fuzz-api-bodies.test.ts).
 */
export function answerFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const mapped =
    err.code === "FST_ERR_BAD_URL"
      ? new AppError("bad_request", "the URL's path is not valid: a % must start an escape of UTF-8 bytes (two hex digits each)")
      : err.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? new AppError("uri_too_long", `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`)
        : new AppError("internal", "internal error");
  if (mapped.status >= 500) req.log.error({ err }, "request failed");
  const body: TApiError = { error: { code: mapped.code, message: mapped.message } };
  void reply.status(mapped.status).send(body);
}

/** Fastify's maxParamLength, set in server.ts */
export const MAX_PARAM_LENGTH = 100;

function toAppError(err: FastifyError | AppError | Error, req: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) return invalidInput(err, req);
  const f = err as FastifyError;
  switch (f.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError("payload_too_large", "request body is larger than the limit (25 MB for webhooks, as GitHub caps them)");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError("unsupported_media_type", `unsupported Content-Type; send application/json`);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError("bad_request", "body is empty; send a JSON object");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new AppError("bad_request", "body is not valid JSON");
  }
  if (f.statusCode && f.statusCode >= 400 && f.statusCode < 500) return new AppError("bad_request", f.message);
  return new AppError("internal", "internal error");
}

const PART_NAMES: Record<string, string> = { querystring: "query", body: "body", params: "path", headers: "headers" };

/**
 * A request that fails its route's zod schema, as parseInput in contracts words it (the same
 * answers as before the schemas moved onto the routes): "invalid body: scopes.0: ...", every
 * bad field named, the list in details.
 */
function invalidInput(err: FastifyError, req: FastifyRequest): AppError {
  const what = PART_NAMES[err.validationContext ?? "body"] ?? "body";
  const fields = (err.validation ?? []).map(
    (v) => `${v.instancePath.length > 1 ? v.instancePath.slice(1).split("/").join(".") : `(${what})`}: ${v.message ?? "is invalid"}`,
  );
  return new AppError(req.routeOptions.config.badInput ?? "bad_request", `invalid ${what}: ${fields.join("; ")}`, { fields });
}
