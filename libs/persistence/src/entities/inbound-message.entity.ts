import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { Mailbox } from './mailbox.entity';

export const InboundState = {
  /** Raw bytes stored; not yet turned into a ticket log. */
  Captured: 'captured',
  Processed: 'processed',
  /** Processing failed permanently; the raw bytes stay for staff. */
  Failed: 'failed',
} as const;
export type InboundState = (typeof InboundState)[keyof typeof InboundState];

/**
 * A message as captured from a mailbox, before anything else happens to it. Capture is idempotent:
 * (mailbox, remoteId) is unique, so re-reading a message after a crash cannot create a second row.
 */
@Entity({ tableName: 'inbound_message' })
@Unique({ properties: ['mailbox', 'remoteId'] })
// Ingested messages have no mailbox (and NULLs never collide in a unique key): their dedupe key is
// (source, remoteId). Mailbox rows have no source, so this key never constrains them.
@Unique({ properties: ['source', 'remoteId'] })
export class InboundMessage {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** Null for messages that came through the ingest API or queue. */
  @ManyToOne(() => Mailbox, { nullable: true, deleteRule: 'restrict' })
  mailbox: Mailbox | null;

  /** Ingest only: the system that sent it (`tickets.ingest` / `POST /api/ingest`), e.g. `crm`. */
  @Property({ type: 'string', length: 100, nullable: true })
  source: string | null = null;

  /** IMAP: `<uidvalidity>:<uid>`; POP3: `pop3:<uidl>`; ingest: `ingest:key:<idempotency key>` or `ingest:sha256:<hex>`. */
  @Property({ type: 'string', length: 300 })
  remoteId: string;

  @Property({ type: 'blob', lazy: true })
  raw: Buffer;

  /** Size on the server; larger than raw.length when the message was cut at the size limit. */
  @Property({ type: 'integer' })
  size: number;

  @Property({ type: 'boolean', default: false })
  truncated: boolean = false;

  @Property({ type: 'string', length: 64 })
  sha256: string;

  @Enum({ items: () => Object.values(InboundState), type: 'string', default: InboundState.Captured })
  state: InboundState = InboundState.Captured;

  @Property({ type: 'text', nullable: true })
  error: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  capturedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  processedAt: Date | null = null;

  constructor(fields: {
    mailbox: Mailbox | null;
    remoteId: string;
    raw: Buffer;
    size: number;
    truncated: boolean;
    sha256: string;
  }) {
    this.mailbox = fields.mailbox;
    this.remoteId = fields.remoteId;
    this.raw = fields.raw;
    this.size = fields.size;
    this.truncated = fields.truncated;
    this.sha256 = fields.sha256;
  }
}
