import { describe, expect, it } from 'vitest';

import { classifySmtpRejection } from './smtp-rejection';

describe('classifySmtpRejection', () => {
  it.each([
    [
      '550 5.1.1 <x@y.org>: Recipient address rejected: User unknown',
      undefined,
      '5.1.1',
      '550',
      'userunknown',
      true,
    ],
    ['5.1.1 No such user', 550, '5.1.1', '550', 'userunknown', true],
    ['550 Requested action not taken: mailbox unavailable', undefined, null, '550', 'userunknown', true],
    ['550 5.1.2 Host unknown', undefined, '5.1.2', '550', 'hostunknown', true],
    ['552 5.2.2 Mailbox full', undefined, '5.2.2', '552', 'mailboxfull', false],
    ['452 4.2.2 Over quota', undefined, '4.2.2', '452', 'mailboxfull', false],
    ['450 4.1.1 User unknown (try later)', undefined, '4.1.1', '450', 'userunknown', false],
    ['554 5.7.1 Rejected by policy', undefined, '5.7.1', '554', 'blocked', false],
    ['550 5.7.26 DMARC', undefined, '5.7.26', '550', 'policyviolation', false],
    ['554 Transaction failed', undefined, null, '554', 'undefined', false],
  ])('%j -> %s %s %s hard=%s', (response, code, status, replyCode, reason, hard) => {
    expect(classifySmtpRejection(response, code)).toEqual({
      status,
      replyCode,
      reason,
      hardBounce: hard,
      diagnostic: response,
    });
  });
});
