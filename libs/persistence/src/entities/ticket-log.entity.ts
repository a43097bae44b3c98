import {
  Collection,
  Entity,
  Enum,
  Index,
  ManyToOne,
  OneToMany,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';

import { Attachment } from './attachment.entity';
import { Contact } from './contact.entity';
import { InboundMessage } from './inbound-message.entity';
import { Ticket } from './ticket.entity';

export const LogDirection = { Inbound: 'inbound', Outbound: 'outbound' } as const;
export type LogDirection = (typeof LogDirection)[keyof typeof LogDirection];

/**
 * One message on a ticket. (inboundMessage, ticket) is unique: re-processing a captured message
 * after a crash finds the log it already made instead of making a second one.
 */
@Entity({ tableName: 'ticket_log' })
@Unique({ properties: ['inboundMessage', 'ticket'] })
export class TicketLog {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Ticket, { deleteRule: 'cascade' })
  ticket: Ticket;

  @ManyToOne(() => InboundMessage, { nullable: true, deleteRule: 'restrict' })
  inboundMessage: InboundMessage | null;

  @Enum({ items: () => Object.values(LogDirection), type: 'string' })
  direction: LogDirection;

  @Property({ type: 'string', length: 320, nullable: true })
  fromAddress: string | null = null;

  @Property({ type: 'string', length: 300, nullable: true })
  fromName: string | null = null;

  @Property({ type: 'text' })
  subject: string;

  @Index()
  @Property({ type: 'string', length: 998, nullable: true })
  messageId: string | null = null;

  @Property({ type: 'string', length: 998, nullable: true })
  inReplyTo: string | null = null;

  @Property({ type: 'text', nullable: true })
  bodyText: string | null = null;

  /** Sanitised HTML body (no scripts, event handlers or remote loads; `cid:` images kept). */
  @Property({ type: 'text', nullable: true })
  bodyHtml: string | null = null;

  /** What the sender wrote in this message: `bodyText` without the quoted history of a reply. */
  @Property({ type: 'text', nullable: true })
  bodyTextNew: string | null = null;

  /** The quoted history of a reply (`>` lines, "On ... wrote:", Outlook's original message). */
  @Property({ type: 'text', nullable: true })
  quotedText: string | null = null;

  // The receiver of this log's notification (SPEC §4.4: recorded on the ticket log).
  @Property({ type: 'string', length: 300, nullable: true })
  receiverName: string | null = null;

  @Property({ type: 'string', length: 320, nullable: true })
  receiverEmail: string | null = null;

  @ManyToOne(() => Contact, { nullable: true, deleteRule: 'set null' })
  receiverContact: Contact | null = null;

  /**
   * Normalized From, To and Cc addresses of an inbound message: who takes part in the ticket. A
   * tag reply sent to another address is threaded only when its sender is one of them.
   */
  @Property({ type: 'json', default: '[]' })
  participants: string[] = [];

  /** Why the processor threaded (or did not thread) the message this way, when it is not obvious. */
  @Property({ type: 'text', nullable: true })
  threadingNote: string | null = null;

  /** Evidence that the message is machine mail (auto-reply, bounce, list, our own); null for people. */
  @Property({ type: 'text', nullable: true })
  machineMail: string | null = null;

  /** Why no notification was sent for this log (machine mail, per-sender cap, staff author). */
  @Property({ type: 'text', nullable: true })
  notificationNote: string | null = null;

  @OneToMany(() => Attachment, (attachment) => attachment.ticketLog)
  attachments = new Collection<Attachment>(this);

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(fields: {
    ticket: Ticket;
    inboundMessage: InboundMessage | null;
    direction: LogDirection;
    subject: string;
  }) {
    this.ticket = fields.ticket;
    this.inboundMessage = fields.inboundMessage;
    this.direction = fields.direction;
    this.subject = fields.subject;
  }
}
