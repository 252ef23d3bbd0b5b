import { AppError } from "@slipway/contracts";
import type { FastifyRequest } from "fastify";

/**
 * Refuses a path parameter or query value that holds U+0000 (`%00`). PostgreSQL text cannot
 * hold it, so a lookup by such a value failed in the database as a 500 (found by fuzzing:
 * PATCH /api/v1/repositories/acme/%00, test/fuzz-api-bodies.test.ts). No name, id or filter
 * of this API contains it.
 */
export async function refuseNulInUrl(req: FastifyRequest): Promise<void> {
  const parts = [
    ["path", req.params],
    ["query", req.query],
  ] as const;
  for (const [part, values] of parts) {
    if (typeof values !== "object" || values === null) continue;
    for (const [name, value] of Object.entries(values)) {
      const list: unknown[] = Array.isArray(value) ? value : [value];
      if (list.some((v) => typeof v === "string" && v.includes("\0"))) {
        throw new AppError("bad_request", `invalid ${part}: ${name}: must not contain a NUL character (%00)`);
      }
    }
  }
}
