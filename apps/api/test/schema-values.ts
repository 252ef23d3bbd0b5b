import fc from "fast-check";
import { wrongValue } from "./fuzz-http";

/** the part of a JSON Schema (as the OpenAPI document writes it) that values are generated from */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  maxLength?: number;
}

/**
 * Values of the schema's types (right types, random contents) with now and then a wrong value
 * anywhere: bodies that get past the first check and reach the handler, and bodies that do not.
 */
export function valuesOf(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return wrongValue;
  const right = rightTypeOf(schema, depth);
  return fc.oneof({ arbitrary: right, weight: 4 }, { arbitrary: wrongValue, weight: 1 });
}

function rightTypeOf(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => valuesOf(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom("acme/app", "Acme/App", "acme/*", "*", "ghcr.io", "main", "2030-01-01T00:00:00Z", "f".repeat(40)),
        fc.string({ minLength: (schema.maxLength ?? 100) - 2, maxLength: (schema.maxLength ?? 100) + 2 }),
      );
    case "integer":
    case "number":
      return fc.oneof(fc.integer(), fc.double());
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(valuesOf(schema.items, depth + 1), { maxLength: 5 });
    case "object": {
      const props = Object.entries(schema.properties ?? {});
      if (!props.length) return fc.dictionary(fc.string({ maxLength: 10 }), wrongValue, { maxKeys: 3 });
      return fc.record(Object.fromEntries(props.map(([k, s]) => [k, valuesOf(s, depth + 1)])), { requiredKeys: [] });
    }
    default:
      return wrongValue;
  }
}
