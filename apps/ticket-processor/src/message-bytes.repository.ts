import type { EntityManager } from '@mikro-orm/postgresql';
import type { ParsedAttachment } from '@twe/mail';
import { InboundMessage } from '@twe/persistence';

import { clip, dbText, WIDTH } from './db-values';

/** An attachment row as the notifications need it: its id (sent with the email) and its name. */
export interface StoredAttachment {
  id: number;
  filename: string | null;
}

/**
 * The megabytes of a message (its raw bytes, its attachments) go past MikroORM's unit of work,
 * with bound parameters on the job's transaction (docs/decisions/0050):
 * - MikroORM formats every value into the SQL text (a 2 MB attachment becomes a 4 MB hex literal
 *   the server has to lex and decode again), where bound parameters send the bytes as they are;
 * - an entity holding a Buffer is snapshotted (copied) when loaded or flushed and compared byte by
 *   byte in a JavaScript loop on every later flush of the transaction.
 * Everything else of the message (ticket, log, status, emails) stays with the entities.
 */
export class MessageBytesRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * The row, locked FOR UPDATE until the transaction ends, as a managed entity (its `raw` left
   * unloaded), and its bytes beside it: one statement, as `findOne(..., { populate: ['raw'] })` was.
   */
  async lockWithRaw(inboundMessageId: number): Promise<{ inbound: InboundMessage; raw: Buffer } | null> {
    const result = await this.raw<Record<string, unknown> & { raw: Buffer }>(
      'select * from inbound_message where id = ? for update',
      [inboundMessageId],
    );
    const row = result.rows[0];
    if (row === undefined) return null;
    const { raw, ...columns } = row;
    return { inbound: this.em.map(InboundMessage, columns), raw };
  }

  /**
   * The files of one log, in order (one statement per file, so the ids come back in MIME order).
   * Values are cut and cleaned exactly as the entity columns need them.
   */
  async insertAttachments(ticketLogId: number, files: ParsedAttachment[]): Promise<StoredAttachment[]> {
    const stored: StoredAttachment[] = [];
    for (const file of files) {
      const filename = file.filename === null ? null : clip(dbText(file.filename), WIDTH.filename);
      const result = await this.raw<{ id: number }>(
        `insert into attachment (ticket_log_id, filename, content_type, size, sha256, content_id, inline, content)
         values (?, ?, ?, ?, ?, ?, ?, ?) returning id`,
        [
          ticketLogId,
          filename,
          clip(dbText(file.contentType), WIDTH.contentType),
          file.size,
          file.sha256,
          file.contentId === null ? null : clip(dbText(file.contentId), WIDTH.contentId),
          file.inline,
          file.content,
        ],
      );
      stored.push({ id: result.rows[0].id, filename });
    }
    return stored;
  }

  /** knex with bindings (`$1`...: pg sends Buffers as binary parameters) inside the em's transaction. */
  private async raw<T>(sql: string, bindings: unknown[]): Promise<{ rows: T[] }> {
    const transaction = this.em.getTransactionContext();
    if (transaction === undefined) throw new Error('MessageBytesRepository needs a transaction');
    const query = this.em
      .getConnection()
      .getKnex()
      .raw(sql, bindings as never[]);
    return (await query.transacting(transaction)) as { rows: T[] };
  }
}
