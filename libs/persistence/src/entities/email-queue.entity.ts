import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { Ticket } from './ticket.entity';
import { TicketLog } from './ticket-log.entity';

export const EmailStatus = {
  Queued: 'queued',
  Sending: 'sending',
  Sent: 'sent',
  Failed: 'failed',
  /** Accepted by our relay, then a bounce for it came back (bounce-worker). */
  Bounced: 'bounced',
} as const;
export type EmailStatus = (typeof EmailStatus)[keyof typeof EmailStatus];

export const EmailPurpose = {
  /** New enquiry or reply, to the type's admin email. */
  Notification: 'notification',
  /** Copy to the type's email-forward address. */
  Forward: 'forward',
  /** Staff answer to the customer. */
  Response: 'response',
} as const;
export type EmailPurpose = (typeof EmailPurpose)[keyof typeof EmailPurpose];

/**
 * The outbound queue is this table; a BullMQ job only says "send row N". The row is the truth:
 * status, attempts, last error, the Message-ID we set and when it was sent.
 */
@Entity({ tableName: 'email_queue' })
@Index({ properties: ['status'] })
export class EmailQueue {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'set null' })
  ticket: Ticket | null = null;

  @ManyToOne(() => TicketLog, { nullable: true, deleteRule: 'set null' })
  ticketLog: TicketLog | null = null;

  @Enum({ items: () => Object.values(EmailPurpose), type: 'string' })
  purpose: EmailPurpose;

  @Property({ type: 'text' })
  fromAddress: string;

  /** Comma-separated addresses. */
  @Property({ type: 'text' })
  toAddresses: string;

  @Property({ type: 'text', nullable: true })
  ccAddresses: string | null = null;

  @Property({ type: 'text' })
  subject: string;

  @Property({ type: 'text', nullable: true })
  bodyText: string | null = null;

  @Property({ type: 'text', nullable: true })
  bodyHtml: string | null = null;

  /** Ids of `attachment` rows sent with this email (the original message's files). */
  @Property({ type: 'json', default: '[]' })
  attachmentIds: number[] = [];

  @Index()
  @Property({ type: 'string', length: 998 })
  messageId: string;

  @Property({ type: 'string', length: 998, nullable: true })
  inReplyTo: string | null = null;

  @Property({ type: 'text', nullable: true })
  references: string | null = null;

  /** Outlook's conversation header (base64), echoed so Outlook keeps the thread together. */
  @Property({ type: 'string', length: 200, nullable: true })
  threadIndex: string | null = null;

  @Enum({ items: () => Object.values(EmailStatus), type: 'string', default: EmailStatus.Queued })
  status: EmailStatus = EmailStatus.Queued;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  sendingStartedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  sentAt: Date | null = null;

  /** When the first bounce for this row was recorded. */
  @Property({ type: 'datetime', nullable: true })
  bouncedAt: Date | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: {
    purpose: EmailPurpose;
    fromAddress: string;
    toAddresses: string;
    subject: string;
    messageId: string;
  }) {
    this.purpose = fields.purpose;
    this.fromAddress = fields.fromAddress;
    this.toAddresses = fields.toAddresses;
    this.subject = fields.subject;
    this.messageId = fields.messageId;
  }
}
