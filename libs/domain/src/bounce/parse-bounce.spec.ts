import { describe, expect, it } from 'vitest';

import { parseBounce } from './parse-bounce';

const dsn = (status: string, diagnostic: string, action = 'failed') =>
  Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.net',
      'To: bounces+42@example.org',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'I could not deliver your message.',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; Someone@Example.COM',
      `Action: ${action}`,
      `Status: ${status}`,
      'Remote-MTA: dns; mail.protection.outlook.com',
      `Diagnostic-Code: smtp; ${diagnostic}`,
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      'Message-ID: <row-42@example.org>',
      'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
      'From: support@example.org',
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );

describe('parseBounce', () => {
  it('reads an RFC 3464 report: recipient (lower-cased), codes, reason, hard flag, original message', () => {
    const verdict = parseBounce(
      dsn('5.1.1', '550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown'),
    );
    expect(verdict).toEqual({
      kind: 'bounce',
      recipients: [
        {
          recipient: 'someone@example.com',
          status: '5.1.1',
          replyCode: '550',
          reason: 'userunknown',
          hardBounce: true,
          diagnostic: '550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown',
        },
      ],
      reportingMta: 'mx.example.net',
      original: { messageId: 'row-42@example.org', subject: 'Grüße', from: 'support@example.org' },
      decodedBy: 'rfc3464',
    });
  });

  it.each([
    [
      'Microsoft 5.7.133 (sender not allowed to the group) keeps its three-digit detail and is permanent',
      '5.7.133',
      '550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup',
      '5.7.133',
      'rejected',
      false,
    ],
    [
      'Microsoft 5.7.129 keeps its code',
      '5.7.129',
      '550 5.7.129 RESOLVER.RST.RestrictedToRecipientsPermission',
      '5.7.129',
      'rejected',
      false,
    ],
    [
      'Microsoft 5.4.316 is an expiry',
      '5.4.316',
      '550 5.4.316 Message expired, connection refused',
      '5.4.316',
      'expired',
      false,
    ],
  ])('%s', (_situation, status, diagnostic, expectedStatus, reason, hard) => {
    const [recipient] = parseBounce(dsn(status, diagnostic)).recipients;
    expect(recipient?.status).toBe(expectedStatus);
    expect(recipient?.status?.startsWith('5.')).toBe(true);
    expect(recipient?.reason).toBe(reason);
    expect(recipient?.hardBounce).toBe(hard);
  });

  it('a delivery report naming no recipient is still a bounce, with no recipients (matched later by VERP)', () => {
    const raw = Buffer.from(
      [
        'From: MAILER-DAEMON@mx.example.net',
        'Subject: Undelivered Mail Returned to Sender',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b2"',
        '',
        '--b2',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '',
        '--b2',
        'Content-Type: text/rfc822-headers',
        '',
        'Message-ID: <row-77@example.org>',
        'Subject: Your ticket',
        '',
        '--b2--',
        '',
      ].join('\r\n'),
    );
    const verdict = parseBounce(raw);
    expect(verdict.kind).toBe('bounce');
    expect(verdict.recipients).toEqual([]);
    expect(verdict.original.messageId).toBe('row-77@example.org');
  });

  it('a success DSN is delivery-success, not a bounce', () => {
    expect(parseBounce(dsn('2.1.5', '250 2.1.5 Ok', 'delivered')).kind).toBe('delivery-success');
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x0a, 0x80, 0x81])],
    ['plain text without headers', Buffer.from('hello, this is not an email at all')],
    [
      'an ordinary email',
      Buffer.from('From: a@example.com\r\nTo: b@example.com\r\nSubject: Lunch?\r\n\r\nAt noon?\r\n'),
    ],
    [
      'a multipart whose closing boundary is missing',
      Buffer.from(
        'From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi',
      ),
    ],
    [
      'a delivery-status part with no recipient fields',
      Buffer.from(
        'From: MAILER-DAEMON@x.example\r\nContent-Type: multipart/report; boundary=y\r\n\r\n--y\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n--y--\r\n',
      ),
    ],
  ])('never throws and answers not-bounce for %s', (_situation, raw) => {
    const verdict = parseBounce(raw);
    expect(verdict.kind).toBe('not-bounce');
    expect(verdict.recipients).toEqual([]);
  });
});
