import type { INestApplication } from '@nestjs/common';
import { INGEST_MAX_MESSAGE_BYTES } from '@twe/queues';
import express from 'express';

export const INGEST_PATH = '/api/ingest';
export const MIME_MESSAGE_TYPE = 'message/rfc822';

/**
 * Body parsers for `POST /api/ingest` only, registered before Nest's own (which then skip the parsed
 * request): the API's 100 kB JSON limit would refuse a message with attachments, and the raw body
 * of `message/rfc822` must stay bytes. The JSON limit leaves room for base64 (4/3) and escaping.
 */
export function useIngestBodyParsers(app: INestApplication): void {
  app.use(INGEST_PATH, express.json({ limit: Math.ceil(INGEST_MAX_MESSAGE_BYTES * 1.5) + 64 * 1024 }));
  app.use(INGEST_PATH, express.raw({ type: MIME_MESSAGE_TYPE, limit: INGEST_MAX_MESSAGE_BYTES }));
}
