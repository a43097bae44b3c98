import { describe, expect, it } from 'vitest';

import { isTicketStatus, statusAfterCustomerReply, TICKET_STATUSES, TicketStatus } from './ticket-status';

describe('TicketStatus', () => {
  it('stores exactly these values, in workflow order', () => {
    expect(TICKET_STATUSES).toEqual(['New', 'Open', 'Pending', 'Resolved', 'Closed']);
  });
});

describe('statusAfterCustomerReply', () => {
  it.each([
    [TicketStatus.New, TicketStatus.New],
    [TicketStatus.Open, TicketStatus.Open],
    [TicketStatus.Pending, TicketStatus.Open],
    [TicketStatus.Resolved, TicketStatus.Open],
    [TicketStatus.Closed, null],
  ])('%s -> %s', (current, expected) => {
    expect(statusAfterCustomerReply(current)).toBe(expected);
  });

  it('rejects a value that is not a status (e.g. an unmigrated row)', () => {
    expect(() => statusAfterCustomerReply('Reopened' as TicketStatus)).toThrow(RangeError);
  });
});

describe('isTicketStatus', () => {
  it.each([
    ['New', true],
    ['Resolved', true],
    ['Closed', true],
    ['closed', false],
    ['Reopened', false],
    ['', false],
    [null, false],
    [3, false],
  ])('%j -> %s', (value, expected) => {
    expect(isTicketStatus(value)).toBe(expected);
  });
});
