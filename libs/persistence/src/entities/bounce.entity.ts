import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { EmailQueue } from './email-queue.entity';
import { InboundMessage } from './inbound-message.entity';

/**
 * What a message in the bounce mailbox turned out to be (the parser's verdict kind). Only `bounce`
 * rows are bounces; the others are kept so staff can see what reached the bounce mailbox.
 */
export const BounceRecordKind = {
  Bounce: 'bounce',
  AutoReply: 'auto-reply',
  FeedbackReport: 'feedback-report',
  DeliverySuccess: 'delivery-success',
  NotBounce: 'not-bounce',
} as const;
export type BounceRecordKind = (typeof BounceRecordKind)[keyof typeof BounceRecordKind];

/** Where the failure was learnt (docs/decisions/0046). */
export const BounceSource = {
  /** A delivery status notification (or other message) that reached the bounce mailbox. */
  Dsn: 'dsn',
  /** Our relay refused the recipient during the SMTP dialogue (5xx at RCPT TO / DATA). */
  SmtpRejection: 'smtp-rejection',
} as const;
export type BounceSource = (typeof BounceSource)[keyof typeof BounceSource];

/** How the email_queue row was found (diagnosis of the match; docs/decisions/0047). */
export const BounceEmailMatch = {
  Verp: 'verp',
  MessageId: 'message-id',
  Header: 'x-twe-header',
  Sender: 'sender',
} as const;
export type BounceEmailMatch = (typeof BounceEmailMatch)[keyof typeof BounceEmailMatch];

/**
 * One failed recipient of one bounce (SPEC §6). (inboundMessage, recipient) is unique, so running
 * the same `bounce.process` job twice finds the rows it already made. Contacts are linked by address
 * at query time (`recipient` = `contact.email`, both normalised; docs/decisions/0045).
 */
@Entity({ tableName: 'bounce' })
@Unique({ properties: ['inboundMessage', 'recipient'] })
@Index({ properties: ['recipient'] })
@Index({ properties: ['kind', 'resolvedAt', 'createdAt'] })
export class Bounce {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** The captured message; null for an SMTP rejection (nothing arrived). */
  @ManyToOne(() => InboundMessage, { nullable: true, deleteRule: 'restrict' })
  inboundMessage: InboundMessage | null;

  @Enum({ items: () => Object.values(BounceRecordKind), type: 'string' })
  kind: BounceRecordKind;

  @Enum({ items: () => Object.values(BounceSource), type: 'string', default: BounceSource.Dsn })
  source: BounceSource = BounceSource.Dsn;

  /** Lower-cased address that failed (for an auto-reply: its sender; '' when unknown). */
  @Property({ type: 'string', length: 320 })
  recipient: string;

  /** Enhanced status code, e.g. `5.1.1`. */
  @Property({ type: 'string', length: 20, nullable: true })
  status: string | null = null;

  @Property({ type: 'string', length: 10, nullable: true })
  replyCode: string | null = null;

  /** Reason vocabulary of the parser (userunknown, mailboxfull, ...). */
  @Property({ type: 'string', length: 40 })
  reason: string;

  @Property({ type: 'boolean', default: false })
  hardBounce: boolean = false;

  @Property({ type: 'text', nullable: true })
  diagnostic: string | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  reportingMta: string | null = null;

  @Property({ type: 'string', length: 998, nullable: true })
  originalMessageId: string | null = null;

  @Property({ type: 'text', nullable: true })
  originalSubject: string | null = null;

  /** The outbound email this bounce answers, when it could be found. */
  @Index()
  @ManyToOne(() => EmailQueue, { nullable: true, deleteRule: 'set null' })
  emailQueue: EmailQueue | null = null;

  @Enum({ items: () => Object.values(BounceEmailMatch), type: 'string', nullable: true })
  emailMatchedBy: BounceEmailMatch | null = null;

  @Property({ type: 'datetime', nullable: true })
  resolvedAt: Date | null = null;

  @Property({ type: 'string', length: 200, nullable: true })
  resolvedBy: string | null = null;

  @Property({ type: 'text', nullable: true })
  resolutionNote: string | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: {
    inboundMessage: InboundMessage | null;
    kind: BounceRecordKind;
    recipient: string;
    reason: string;
  }) {
    this.inboundMessage = fields.inboundMessage;
    this.kind = fields.kind;
    this.recipient = fields.recipient;
    this.reason = fields.reason;
  }
}
