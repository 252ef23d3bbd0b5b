import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";

/** where the OpenAPI 3 document is served (public: it describes the API, it holds no data) */
const OPENAPI_PATH = "/api/v1/openapi.json";

/**
 * The API describes itself from the zod schemas its routes validate with (contracts): params,
 * queries, bodies and answers go through fastify-type-provider-zod, and @fastify/swagger turns
 * the same schemas into the OpenAPI 3 document, served at /api/v1/openapi.json and rendered at
 * /api/docs by @fastify/swagger-ui from the assets the package ships (no CDN).
 * Register before any route: @fastify/swagger collects routes as they are added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Slipway API",
        description:
          'A self-hosted build farm: a push to GitHub becomes a tagged container image. Errors answer `{"error":{"code","message"}}`.',
        version: "1",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "an API token (npm run token), or the dashboard's session cookie" },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: "/api/docs",
    // The package's default policy allows validator.swagger.io and https: styles and upgrades
    // requests to https (which breaks a farm served over plain http): only this origin here.
    staticCSP:
      "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'",
  });
  app.get(OPENAPI_PATH, { schema: { tags: ["meta"], summary: "This OpenAPI 3 document", security: [] } }, async () => app.swagger());
}
