import { Collection, Entity, Enum, Index, ManyToOne, OneToMany, PrimaryKey, Property } from '@mikro-orm/core';

import { Contact } from './contact.entity';
import { TicketLog } from './ticket-log.entity';
import { TicketType } from './ticket-type.entity';

export const TicketKind = {
  Normal: 'normal',
  /** Reached a mailbox but matched no ticket type: no type, no receiver, no email sent. */
  Invalid: 'invalid',
  /** Could not be read (too big, unparseable): no contact; the raw message or the reason is kept. */
  Error: 'error',
} as const;
export type TicketKind = (typeof TicketKind)[keyof typeof TicketKind];

export const TicketStatus = {
  New: 'New',
  Open: 'Open',
  Pending: 'Pending',
  Resolved: 'Resolved',
  Closed: 'Closed',
} as const;
export type TicketStatus = (typeof TicketStatus)[keyof typeof TicketStatus];

@Entity({ tableName: 'ticket' })
export class Ticket {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Index()
  @ManyToOne(() => TicketType, { nullable: true, deleteRule: 'restrict' })
  type: TicketType | null;

  @Enum({ items: () => Object.values(TicketKind), type: 'string' })
  kind: TicketKind;

  @Enum({ items: () => Object.values(TicketStatus), type: 'string', default: TicketStatus.New })
  status: TicketStatus = TicketStatus.New;

  @Property({ type: 'text' })
  subject: string;

  @ManyToOne(() => Contact, { nullable: true, deleteRule: 'restrict' })
  contact: Contact | null;

  /** Why an error ticket could not be processed normally. */
  @Property({ type: 'text', nullable: true })
  errorReason: string | null = null;

  /** The closed ticket this one continues (a customer wrote again after it was closed). */
  @Index()
  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'set null' })
  previousTicket: Ticket | null = null;

  @OneToMany(() => TicketLog, (log) => log.ticket)
  logs = new Collection<TicketLog>(this);

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(fields: {
    type: TicketType | null;
    kind: TicketKind;
    subject: string;
    contact: Contact | null;
  }) {
    this.type = fields.type;
    this.kind = fields.kind;
    this.subject = fields.subject;
    this.contact = fields.contact;
  }
}
