import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { emptyRecipient } from './decoded-recipient';
import { remoteHostReason } from './remote-host-rules';

const recipient = (
  address: string,
  remoteMta: string | null,
  status: string | null,
  replyCode: string | null,
  diagnostic: string,
) => ({
  ...emptyRecipient(address),
  remoteMta,
  status,
  replyCode,
  diagnostic,
});

describe('remoteHostReason (providers whose wording decides)', () => {
  it.each<[string, ReturnType<typeof recipient>, string | null, BounceReason | null]>([
    [
      'Gmail receiving-rate limit is speeding, not a filter',
      recipient(
        'a@gmail.example',
        'gmail-smtp-in.l.google.com',
        '5.2.1',
        '550',
        '550 5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.',
      ),
      null,
      'speeding',
    ],
    [
      'Google documented answer needs its codes (phrase alone is not enough)',
      recipient(
        'a@example.com',
        'aspmx.l.google.com',
        '5.7.1',
        '550',
        '550 5.7.1 this message is likely unsolicited mail',
      ),
      null,
      'spamdetected',
    ],
    [
      'Exchange Online 5.4.316 is an expiry',
      recipient(
        'a@example.com',
        'example-com.mail.protection.outlook.com',
        '5.4.316',
        '550',
        '550 5.4.316 Message expired, connection refused',
      ),
      null,
      'expired',
    ],
    [
      'Outlook.com SC-004 block code',
      recipient(
        'a@hotmail.com',
        null,
        null,
        '550',
        "550 SC-004 (COL0-MC1-F1) Unfortunately, messages from 192.0.2.1 weren't sent.",
      ),
      'mx.hotmail.com',
      'blocked',
    ],
    [
      'La Poste error code 426 is a suspended account',
      recipient(
        'a@laposte.net',
        'smtpz4.laposte.net',
        '5.5.0',
        '550',
        '550 5.5.0 The recipient account is blocked. LPN007_426',
      ),
      null,
      'suspend',
    ],
    [
      'Yahoo TSS04 via a Yahoo MX is "rejected" (Yahoo says it for many causes)',
      recipient(
        'a@yahoo.com',
        'mta6.am0.yahoodns.net',
        '4.7.0',
        '421',
        '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints',
      ),
      null,
      'rejected',
    ],
    [
      'the same words with no Yahoo host named: no provider rule',
      recipient(
        'a@yahoo.com',
        null,
        '4.7.0',
        '421',
        '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints',
      ),
      null,
      null,
    ],
    [
      'remote host taken from a Postfix answer text',
      recipient(
        'a@icloud.com',
        null,
        '5.2.2',
        '552',
        'host mx01.mail.icloud.com[192.0.2.9] said: 552 5.2.2 <a@icloud.com>: user is over quota',
      ),
      null,
      'mailboxfull',
    ],
    [
      'an unknown provider: no rule',
      recipient('a@example.org', 'mx.example.org', '5.1.1', '550', '550 5.1.1 user unknown'),
      'mx.example.net',
      null,
    ],
  ])('%s', (_situation, r, reportingMta, expected) => {
    expect(remoteHostReason(r, reportingMta)).toBe(expected);
  });
});
