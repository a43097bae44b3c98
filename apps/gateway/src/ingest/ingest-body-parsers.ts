import type { INestApplication } from '@nestjs/common';
import { INGEST_MAX_MESSAGE_BYTES } from '@twe/queues';
import express, { type RequestHandler } from 'express';

export const INGEST_PATH = '/api/ingest';
export const MIME_MESSAGE_TYPE = 'message/rfc822';

/**
 * Body parsers for `POST /api/ingest` only, registered before Nest's own (which then skip the parsed
 * request): the API's 100 kB JSON limit would refuse a message with attachments, and the raw body
 * of `message/rfc822` must stay bytes. The JSON limit leaves room for base64 (4/3) and escaping.
 */
export function useIngestBodyParsers(app: INestApplication): void {
  const json = express.json({ limit: Math.ceil(INGEST_MAX_MESSAGE_BYTES * 1.5) + 64 * 1024 });
  const raw = express.raw({ type: MIME_MESSAGE_TYPE, limit: INGEST_MAX_MESSAGE_BYTES });
  // Named wrappers on purpose: Nest skips registering its own parsers for the whole app when it finds
  // a middleware named `jsonParser` (express.json's function name) already installed.
  const ingestJsonBody: RequestHandler = (request, response, next) => json(request, response, next);
  const ingestMessageBody: RequestHandler = (request, response, next) => raw(request, response, next);
  app.use(INGEST_PATH, ingestJsonBody);
  app.use(INGEST_PATH, ingestMessageBody);
}
