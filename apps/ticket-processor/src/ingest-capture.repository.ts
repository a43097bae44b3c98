import { createHash } from 'node:crypto';

import type { MikroORM } from '@mikro-orm/postgresql';
import { InboundState } from '@twe/persistence';

export interface IngestCapture {
  source: string;
  /** `ingest:key:<idempotency key>` or `ingest:sha256:<hex>` (see `ingestRemoteId`). */
  remoteId: string;
  raw: Buffer;
  /** Bytes above this are cut and the row marked truncated, exactly as the fetcher does. */
  maxBytes: number;
}

export interface IngestCaptured {
  id: number;
  state: InboundState;
  /** False when (source, remoteId) was ingested before: the earlier row stands. */
  inserted: boolean;
}

/**
 * Stores an ingested message as an `inbound_message` row without a mailbox: the same capture the
 * fetcher makes, after which the message is processed by id like any other. Bound parameters through
 * knex (not MikroORM's execute, which formats values into the SQL text: slow for megabytes of bytea).
 */
export class IngestCaptureRepository {
  constructor(private readonly orm: MikroORM) {}

  async capture(message: IngestCapture): Promise<IngestCaptured> {
    const knex = this.orm.em.getConnection().getKnex();
    const truncated = message.raw.length > message.maxBytes;
    const raw = truncated ? message.raw.subarray(0, message.maxBytes) : message.raw;
    const sha256 = createHash('sha256').update(message.raw).digest('hex');
    const inserted = await knex.raw<{ rows: Array<{ id: number }> }>(
      `INSERT INTO inbound_message (mailbox_id, source, remote_id, raw, size, truncated, sha256, state)
       VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source, remote_id) DO NOTHING
       RETURNING id`,
      [message.source, message.remoteId, raw, message.raw.length, truncated, sha256, InboundState.Captured],
    );
    if (inserted.rows.length === 1)
      return { id: inserted.rows[0].id, state: InboundState.Captured, inserted: true };

    // A new statement sees the row a concurrent ingest of the same key committed while we waited.
    const existing = await knex.raw<{ rows: Array<{ id: number; state: InboundState }> }>(
      'SELECT id, state FROM inbound_message WHERE source = ? AND remote_id = ?',
      [message.source, message.remoteId],
    );
    if (existing.rows.length !== 1) {
      throw new Error(
        `inbound_message ${message.source}/${message.remoteId}: insert skipped but no row found`,
      );
    }
    return { ...existing.rows[0], inserted: false };
  }
}
