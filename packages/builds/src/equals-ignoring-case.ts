/**
 * A Prisma filter for a name equal to `name` but for case. Prisma writes `equals` with mode
 * "insensitive" as ILIKE, where "%" and "_" are wildcards and "\" escapes: a name ending in
 * "\" was an invalid pattern, a 500 (found by fuzzing: PATCH /api/v1/repositories/acme/%5C),
 * and "acme/%" matched every acme repository. Escaped, the pattern matches only the name.
 */
export function equalsIgnoringCase(name: string): { equals: string; mode: "insensitive" } {
  return { equals: name.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" };
}
