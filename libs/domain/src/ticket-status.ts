/**
 * Ticket statuses. The values are stored in the database and shown in the API: never rename one.
 */
export enum TicketStatus {
  New = 'New',
  Open = 'Open',
  Pending = 'Pending',
  Resolved = 'Resolved',
  Closed = 'Closed',
}

export const TICKET_STATUSES: readonly TicketStatus[] = Object.values(TicketStatus);

export function isTicketStatus(value: unknown): value is TicketStatus {
  return typeof value === 'string' && (TICKET_STATUSES as readonly string[]).includes(value);
}

/**
 * The status a ticket takes when the customer writes again. A reply reopens a ticket that waits
 * for the customer (Pending) or was Resolved; a New ticket stays New, as nobody has picked it up yet.
 * A Closed ticket is final: null tells the caller to open a new ticket linked to the closed one
 * instead of adding a log to it.
 */
export function statusAfterCustomerReply(current: TicketStatus): TicketStatus | null {
  switch (current) {
    case TicketStatus.New:
      return TicketStatus.New;
    case TicketStatus.Open:
    case TicketStatus.Pending:
    case TicketStatus.Resolved:
      return TicketStatus.Open;
    case TicketStatus.Closed:
      return null;
    default:
      // Reachable only with a value from outside the type system (an unmigrated database row).
      throw new RangeError(`Unknown ticket status ${JSON.stringify(current satisfies never)}`);
  }
}
