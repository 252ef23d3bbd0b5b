import type { Principal } from "@slipway/auth";
import { AppError } from "@slipway/contracts";
import type { FastifyRequest } from "fastify";

/** The caller of an /api/v1 request (set by the authorization hooks before any handler runs). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError("internal", "request reached a handler without a principal");
  return req.principal;
}
