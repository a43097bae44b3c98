import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

import { applyRequestBodies, registeredApiSchemas } from './common/openapi-registry';

/** Swagger UI at /docs and the document at /docs-json, with the zod schemas as components. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Ticket Workflow Engine — admin gateway')
    .setDescription(
      'Mailboxes, ticket types, background task settings and tickets. Errors are `{ statusCode, message }`; ' +
        'validation errors add `errors: [{ field, message }]`, one per field. Secrets are write-only.',
    )
    .setVersion('0.1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...registeredApiSchemas() },
  };
  applyRequestBodies(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
