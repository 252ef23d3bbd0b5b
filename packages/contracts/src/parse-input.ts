import type { z } from "zod";
import { AppError } from "./app-error";

/**
 * Parses client input with a zod schema, or throws a 400 (or the `code` given: routes added
 * later answer 422 for a well-formed body with bad fields) that names every bad field
 * ("invalid body: scopes.0: ..."), with the field list in details.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: "body" | "query",
  code: "bad_request" | "unprocessable" = "bad_request",
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : `(${what})`}: ${i.message}`);
  throw new AppError(code, `invalid ${what}: ${fields.join("; ")}`, { fields });
}
