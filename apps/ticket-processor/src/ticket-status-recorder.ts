import type { EntityManager } from '@mikro-orm/postgresql';
import { TicketStatusChange, type Ticket, type TicketLog, type TicketStatus } from '@twe/persistence';

/**
 * Sets a ticket's status and records the change (time and cause) in the same transaction. A change
 * to the status the ticket already has records nothing.
 */
export function changeTicketStatus(
  em: EntityManager,
  ticket: Ticket,
  to: TicketStatus,
  cause: string,
  log: TicketLog | null,
  from: TicketStatus | null = ticket.status,
): void {
  if (from === to) return;
  ticket.status = to;
  ticket.updatedAt = new Date();
  em.persist(new TicketStatusChange({ ticket, fromStatus: from, toStatus: to, cause, ticketLog: log }));
}
