import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { isHardBounce } from './hard-bounce';

describe('isHardBounce (the reason decides, as in Sisimai)', () => {
  it.each<[string, BounceReason, string | null, string | null, boolean]>([
    ['unknown user, permanent', 'userunknown', '5.1.1', '550', true],
    ['unknown user, even when the server said 4xx', 'userunknown', '4.1.1', '450', true],
    ['unknown domain', 'hostunknown', '5.1.2', null, true],
    ['mailbox has moved', 'hasmoved', '5.1.6', '550', true],
    ['null MX, permanent', 'notaccept', '5.1.10', '556', true],
    ['no-mail host with no code at all', 'notaccept', null, null, true],
    ['no-mail host, temporarily (4xx)', 'notaccept', '4.3.2', '421', false],
    ['no-mail host with only a 4xx reply code', 'notaccept', null, '421', false],
    ['mailbox full is soft even with 5.2.2', 'mailboxfull', '5.2.2', '552', false],
    ['blocked is soft', 'blocked', '5.7.1', '554', false],
    ['spam is soft', 'spamdetected', '5.7.1', '550', false],
    ['suspended account is soft', 'suspend', '5.7.13', '525', false],
    ['Microsoft 5.7.133 sender policy is soft (the address is fine)', 'rejected', '5.7.133', '550', false],
    ['vacation is not a bounce', 'vacation', null, null, false],
    ['delivery report is not a bounce', 'delivered', '2.1.5', '250', false],
    ['feedback report is not a bounce', 'feedback', null, null, false],
  ])('%s', (_situation, reason, status, reply, expected) => {
    expect(isHardBounce(reason, status, reply)).toBe(expected);
  });
});
