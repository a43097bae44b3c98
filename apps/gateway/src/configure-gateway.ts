import type { INestApplication } from '@nestjs/common';

import { useIngestBodyParsers } from './ingest/ingest-body-parsers';
import { setupOpenApi } from './openapi';

/** Everything `bootstrapService` leaves to the gateway: route-specific body parsers, then OpenAPI. */
export function configureGateway(app: INestApplication): void {
  useIngestBodyParsers(app);
  setupOpenApi(app);
}
