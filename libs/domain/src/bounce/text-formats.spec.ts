import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { recipientsInText } from './heuristic';
import { parseBounce } from './parse-bounce';

/** Plain-text bounces as common MTAs write them when they send no RFC 3464 part. */
const mail = (from: string, subject: string, body: string) =>
  Buffer.from(`From: ${from}\nTo: sender@example.org\nSubject: ${subject}\n\n${body}`);

describe('parseBounce on text-only formats', () => {
  it.each<[string, Buffer, string, string | null, BounceReason, boolean, string]>([
    [
      'Postfix without a DSN part: unknown user at RCPT',
      mail(
        'MAILER-DAEMON@mx.example.org (Mail Delivery System)',
        'Undelivered Mail Returned to Sender',
        "This is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<nobody@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1\n    <nobody@example.net>: Recipient address rejected: User unknown in local\n    recipient table (in reply to RCPT TO command)\n",
      ),
      'nobody@example.net',
      '5.1.1',
      'userunknown',
      true,
      'heuristic',
    ],
    [
      'Sendmail transcript: mailbox full',
      mail(
        'Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
        'Returned mail: see transcript for details',
        '   ----- The following addresses had permanent fatal errors -----\n<full@example.net>\n\n   ----- Transcript of session follows -----\n... while talking to mx.example.net.:\n>>> RCPT To:<full@example.net>\n<<< 552 5.2.2 <full@example.net>... Mailbox full\n552 5.2.2 <full@example.net>... Mailbox full\n\n   ----- Original message follows -----\n',
      ),
      'full@example.net',
      '5.2.2',
      'mailboxfull',
      false,
      'sendmail',
    ],
    [
      'GMX: quoted address, then the remote answer',
      mail(
        '"Mail Delivery System" <mailer-daemon@gmx.net>',
        'Mail delivery failed: returning message to sender',
        'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of\nits recipients. This is a permanent error. The following address\nfailed:\n\n"gone@example.net":\nSMTP error from remote server after RCPT command:\nhost: mx.example.net\n5.1.1 <gone@example.net>: Recipient address rejected: User unknown\n',
      ),
      'gone@example.net',
      '5.1.1',
      'userunknown',
      true,
      'exim',
    ],
    [
      'Yahoo (qmail clone): remote host refused the recipient',
      mail(
        'MAILER-DAEMON@yahoo.com',
        'Failure Notice',
        'Sorry, we were unable to deliver your message to the following address.\n\n<nouser@example.net>:\nRemote host said: 550 5.1.1 <nouser@example.net>: Recipient address rejected: User unknown [RCPT_TO]\n\n--- Below this line is a copy of the message.\n',
      ),
      'nouser@example.net',
      '5.1.1',
      'userunknown',
      true,
      'qmail',
    ],
    [
      'Exim delay warning: still retrying is "expired", not a hard bounce',
      mail(
        'Mail Delivery System <Mailer-Daemon@mx.example.org>',
        'Warning: message 1abc-000 delayed 24 hours',
        'This message was created automatically by mail delivery software.\nA message that you sent has not yet been delivered to one or more of its\nrecipients after more than 24 hours on the queue on mx.example.org.\n\nThe address to which the message has not yet been delivered is:\n\n  slow@example.net\n    Delay reason: retry timeout exceeded\n\nNo action is required on your part.\n',
      ),
      'slow@example.net',
      null,
      'expired',
      false,
      'exim',
    ],
  ])('%s', (_situation, raw, recipient, status, reason, hard, decodedBy) => {
    const verdict = parseBounce(raw);
    expect(verdict.kind).toBe('bounce');
    expect(verdict.decodedBy).toBe(decodedBy);
    expect(verdict.recipients.map((r) => [r.recipient, r.status, r.reason, r.hardBounce])).toEqual([
      [recipient, status, reason, hard],
    ]);
  });
});

describe('recipientsInText (text heuristics)', () => {
  it.each<[string, string, Array<[string, string]>]>([
    [
      'Postfix wraps the answer onto an indented line that repeats the address',
      '<a@example.com>: host mx.example.com[192.0.2.1] said: 554 5.7.1\n    <a@example.com>: Relay access denied (in reply to RCPT TO command)\n',
      [
        [
          'a@example.com',
          'host mx.example.com[192.0.2.1] said: 554 5.7.1 <a@example.com>: Relay access denied (in reply to RCPT TO command)',
        ],
      ],
    ],
    [
      'an unindented line with another address starts the next recipient',
      '<a@example.com>: 550 5.1.1 User unknown\n<b@example.com>: 552 5.2.2 Mailbox full\n',
      [
        ['a@example.com', '550 5.1.1 User unknown'],
        ['b@example.com', '552 5.2.2 Mailbox full'],
      ],
    ],
  ])('%s', (_situation, report, expected) => {
    expect(recipientsInText(report, new Set()).map((r) => [r.recipient, r.diagnostic])).toEqual(expected);
  });
});
