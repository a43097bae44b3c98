import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { parseBounce } from './parse-bounce';

/** A standard DSN (RFC 3464) as the big providers send it, with their own answer in Diagnostic-Code. */
const dsn = (remoteMta: string, recipient: string, status: string, diagnostic: string) =>
  Buffer.from(
    [
      'From: Mail Delivery Subsystem <mailer-daemon@relay.example.org>',
      'To: bounces+7@example.org',
      'Subject: Undelivered Mail Returned to Sender',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="r1"',
      '',
      '--r1',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '',
      '--r1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; relay.example.org',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      `Status: ${status}`,
      `Remote-MTA: dns; ${remoteMta}`,
      `Diagnostic-Code: smtp; ${diagnostic}`,
      '',
      '--r1--',
      '',
    ].join('\r\n'),
  );

describe('parseBounce on provider answers inside a DSN', () => {
  it.each<[string, Buffer, string, BounceReason, boolean]>([
    [
      'Office 365: 5.1.10 recipient not found by SMTP address lookup',
      dsn(
        'contoso-com.mail.protection.outlook.com',
        'gone@example.com',
        '5.1.10',
        '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      ),
      '5.1.10',
      'userunknown',
      true,
    ],
    [
      'Office 365: 5.7.708 traffic not accepted from this IP (the 5.7.7xx sending-limit range) is speeding',
      dsn(
        'contoso-com.mail.protection.outlook.com',
        'reader@example.com',
        '5.7.708',
        '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.',
      ),
      '5.7.708',
      'speeding',
      false,
    ],
    [
      'Office 365: 5.7.133 sender not authenticated for a group',
      dsn(
        'contoso-com.mail.protection.outlook.com',
        'team@example.com',
        '5.7.133',
        '550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required',
      ),
      '5.7.133',
      'rejected',
      false,
    ],
    [
      'Gmail: 5.7.26 DMARC policy refusal',
      dsn(
        'gmail-smtp-in.l.google.com',
        'reader@example.com',
        '5.7.26',
        "550-5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy.",
      ),
      '5.7.26',
      'authfailure',
      false,
    ],
    [
      'Gmail: 4.2.2 the account is over quota',
      dsn(
        'gmail-smtp-in.l.google.com',
        'full@example.com',
        '4.2.2',
        '452-4.2.2 The email account that you tried to reach is over quota.',
      ),
      '4.2.2',
      'mailboxfull',
      false,
    ],
    [
      'Gmail: 5.1.1 account does not exist',
      dsn(
        'gmail-smtp-in.l.google.com',
        'gone@example.com',
        '5.1.1',
        '550-5.1.1 The email account that you tried to reach does not exist.',
      ),
      '5.1.1',
      'userunknown',
      true,
    ],
    [
      'Yahoo: "This user doesn\'t have a ... account"',
      dsn(
        'mta7.am0.yahoodns.net',
        'gone@example.com',
        '5.0.0',
        "554 delivery error: dd This user doesn't have a example.com account (gone@example.com) [0] - mta1.mail.example.com",
      ),
      '5.0.0',
      'userunknown',
      true,
    ],
    [
      'iCloud: inactive email address',
      dsn(
        'mx01.mail.icloud.com',
        'gone@example.com',
        '5.1.1',
        '550 5.1.1 <gone@example.com>: inactive email address',
      ),
      '5.1.1',
      'userunknown',
      true,
    ],
    [
      'Mimecast: 550 Invalid Recipient',
      dsn(
        'eu-smtp-inbound-1.mimecast.com',
        'gone@example.com',
        '5.0.0',
        '550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550',
      ),
      '5.0.0',
      'userunknown',
      true,
    ],
    [
      'GoDaddy: IB212 content judged to be spam',
      dsn(
        'smtp.secureserver.net',
        'reader@example.com',
        '5.0.0',
        '552 This message has been rejected due to content judged to be spam by the internet community. IB212',
      ),
      '5.0.0',
      'spamdetected',
      false,
    ],
  ])('%s', (_situation, raw, status, reason, hard) => {
    const verdict = parseBounce(raw);
    expect(verdict.kind).toBe('bounce');
    expect(verdict.recipients.map((r) => [r.status, r.reason, r.hardBounce])).toEqual([
      [status, reason, hard],
    ]);
  });
});
