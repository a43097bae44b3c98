import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/**
 * One zod schema is both the validation and the documentation: each request and response schema is
 * registered here under a component name, and `setupOpenApi` copies them into the document.
 */
const components = new Map<string, SchemaObject>();

export function toOpenApiSchema(schema: z.ZodType, io: 'input' | 'output'): SchemaObject {
  // Request bodies are documented as clients write them (before defaults and transforms).
  const jsonSchema = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete jsonSchema['$schema'];
  return jsonSchema as SchemaObject;
}

/** Registers `schema` as `#/components/schemas/<name>` and returns the `$ref` for decorators. */
export function apiSchema(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
  if (components.has(name)) throw new Error(`OpenAPI schema ${name} is registered twice`);
  components.set(name, toOpenApiSchema(schema, io));
  return { $ref: `#/components/schemas/${name}` };
}

export function registeredApiSchemas(): Record<string, SchemaObject> {
  return Object.fromEntries(components);
}

/**
 * Request bodies `@ApiBody` cannot say: one schema per content type (JSON and a raw MIME message on
 * `POST /api/ingest`). `setupOpenApi` writes them into the operations.
 */
type RequestBodyObject = NonNullable<NonNullable<OpenAPIObject['paths'][string]['post']>['requestBody']>;

const requestBodies: Array<{ path: string; method: 'post' | 'put' | 'patch'; body: RequestBodyObject }> = [];

export function apiRequestBody(
  path: string,
  method: 'post' | 'put' | 'patch',
  body: RequestBodyObject,
): void {
  requestBodies.push({ path, method, body });
}

export function applyRequestBodies(document: OpenAPIObject): void {
  for (const { path, method, body } of requestBodies) {
    const operation = document.paths[path]?.[method];
    if (operation) operation.requestBody = body;
  }
}
