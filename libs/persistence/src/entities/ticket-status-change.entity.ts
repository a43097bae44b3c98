import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { TicketLog } from './ticket-log.entity';
import { Ticket, TicketStatus } from './ticket.entity';

/**
 * Every status a ticket took, when and why (created by a message, reopened by a customer reply,
 * reassigned, changed by staff). Append-only: the history a support lead reads when a ticket
 * "reopened itself".
 */
@Entity({ tableName: 'ticket_status_change' })
export class TicketStatusChange {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Index()
  @ManyToOne(() => Ticket, { deleteRule: 'cascade' })
  ticket: Ticket;

  /** null for the first status of a new ticket. */
  @Enum({ items: () => Object.values(TicketStatus), type: 'string', nullable: true })
  fromStatus: TicketStatus | null;

  @Enum({ items: () => Object.values(TicketStatus), type: 'string' })
  toStatus: TicketStatus;

  /** Why, in words: `new message`, `customer reply`, `reassigned to type 3` ... */
  @Property({ type: 'text' })
  cause: string;

  /** The message that caused the change, when one did. */
  @ManyToOne(() => TicketLog, { nullable: true, deleteRule: 'set null' })
  ticketLog: TicketLog | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  changedAt: Date = new Date();

  constructor(fields: {
    ticket: Ticket;
    fromStatus: TicketStatus | null;
    toStatus: TicketStatus;
    cause: string;
    ticketLog?: TicketLog | null;
  }) {
    this.ticket = fields.ticket;
    this.fromStatus = fields.fromStatus;
    this.toStatus = fields.toStatus;
    this.cause = fields.cause;
    this.ticketLog = fields.ticketLog ?? null;
  }
}
