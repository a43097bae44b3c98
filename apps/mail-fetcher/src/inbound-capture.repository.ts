import { createHash } from 'node:crypto';

import { InboundState } from '@twe/persistence';
import type { FetchedMessage } from '@twe/mail';
import type { ClientBase } from 'pg';

export interface CapturedRow {
  id: number;
  state: InboundState;
  /** False when the row existed already (captured by an earlier run that crashed before the delete). */
  inserted: boolean;
}

/**
 * Durable capture of one fetched message. One statement, bound parameters, raw bytes as bytea:
 * MikroORM's persist/flush escapes values into the SQL text, which dominates with megabytes of mail
 * (docs: STACK.md). The statement commits on its own (autocommit), so once `capture` resolves the
 * message is safe and may be deleted from the mailbox.
 */
export class InboundCaptureRepository {
  constructor(private readonly db: ClientBase) {}

  async capture(mailboxId: number, message: FetchedMessage): Promise<CapturedRow> {
    const sha256 = createHash('sha256').update(message.raw).digest('hex');
    const inserted = await this.db.query<{ id: number }>(
      `INSERT INTO inbound_message (mailbox_id, remote_id, raw, size, truncated, sha256, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (mailbox_id, remote_id) DO NOTHING
       RETURNING id`,
      [
        mailboxId,
        message.remoteId,
        message.raw,
        message.size,
        message.truncated,
        sha256,
        InboundState.Captured,
      ],
    );
    if (inserted.rows.length === 1)
      return { id: inserted.rows[0].id, state: InboundState.Captured, inserted: true };

    // The unique key (mailbox_id, remote_id) says it is there: a crash came between capture and delete.
    const existing = await this.db.query<{ id: number; state: InboundState }>(
      'SELECT id, state FROM inbound_message WHERE mailbox_id = $1 AND remote_id = $2',
      [mailboxId, message.remoteId],
    );
    if (existing.rows.length !== 1) {
      throw new Error(`inbound_message ${mailboxId}/${message.remoteId}: insert skipped but no row found`);
    }
    return { ...existing.rows[0], inserted: false };
  }
}
