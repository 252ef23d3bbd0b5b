import type { FastifyInstance } from "fastify";

/**
 * Every route the server has, as "METHOD /full/path", read from Fastify's own route tree
 * (printRoutes): a route added later is listed without anyone updating a test.
 */
export function listRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    // "│   ├── /:id (GET, HEAD)": the tree drawing is 4 characters per level.
    // A node without methods is only a shared prefix of the routes below it.
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    for (const method of m[3]?.split(", ") ?? []) routes.push(`${method} ${stack.join("")}`);
  }
  return routes;
}
