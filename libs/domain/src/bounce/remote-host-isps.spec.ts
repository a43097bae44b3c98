import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { emptyRecipient } from './decoded-recipient';
import { remoteHostReason } from './remote-host-rules';

const answer = (address: string, remoteMta: string | null, replyCode: string | null, diagnostic: string) => ({
  ...emptyRecipient(address),
  remoteMta,
  replyCode,
  diagnostic,
});

describe('remoteHostReason for further providers (GoDaddy, Cox, Spectrum, Mimecast, Cloudflare, Microsoft hosts)', () => {
  it.each<[string, ReturnType<typeof answer>, BounceReason | null]>([
    [
      'GoDaddy IB212: content judged to be spam',
      answer(
        'a@example.com',
        'smtp.secureserver.net',
        '552',
        '552 This message has been rejected due to content judged to be spam by the internet community. IB212',
      ),
      'spamdetected',
    ],
    [
      'GoDaddy IB104: sending IP on the Spamhaus SBL',
      answer(
        'a@example.com',
        'mailstore1.secureserver.net',
        '554',
        '554 Connection refused. This IP address is listed on the Spamhaus Block List (SBL). IB104',
      ),
      'blocked',
    ],
    [
      'GoDaddy IB508: SPF record does not authorise the sender',
      answer(
        'a@example.com',
        'smtp.secureserver.net',
        '550',
        '550 a@example.com Invalid SPF record. Inspect your SPF settings, and try again. IB508',
      ),
      'authfailure',
    ],
    [
      'GoDaddy without a code: "Account storage limit"',
      answer('a@example.com', 'smtp.secureserver.net', '552', '552 Account storage limit'),
      'mailboxfull',
    ],
    [
      'Cox AUP#CXBL: IP blocked for spam-like behaviour (recipient on cox.net)',
      answer('a@cox.net', null, '554', '554 cox.net rejected. IP 192.0.2.1 blocked. AUP#CXBL'),
      'blocked',
    ],
    [
      'Cox AUP#CXDNS: reverse DNS failing',
      answer('a@cox.net', null, '554', '554 Reverse DNS lookup failed. AUP#CXDNS'),
      'requireptr',
    ],
    [
      'Cox IPBL1001: listed in Cloudmark CSI and Spamhaus Zen',
      answer('a@cox.net', null, '554', '554 Your IP is listed. AUP#IPBL1001'),
      'blocked',
    ],
    [
      'Cox "recipient rejected" is an unknown user',
      answer('a@cox.net', null, '550', '550 recipient rejected'),
      'userunknown',
    ],
    [
      'Spectrum AUP#I1250: Spamhaus listing',
      answer('a@charter.net', null, '554', '554 5.7.1 Your IP has been blacklisted by Spamhaus. AUP#I-1250'),
      'blocked',
    ],
    [
      'Spectrum AUP#O1530: message over 20 MB',
      answer('a@charter.net', null, '552', '552 Message too large AUP#O-1530'),
      'mesgtoobig',
    ],
    [
      'Spectrum AUP#I1310: too many connections',
      answer('a@charter.net', null, '421', '421 Too many concurrent connections AUP#I-1310'),
      'toomanyconn',
    ],
    [
      'Mimecast 550 "Invalid Recipient"',
      answer(
        'a@example.com',
        'eu-smtp-inbound-1.mimecast.com',
        '550',
        '550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550',
      ),
      'userunknown',
    ],
    [
      'Mimecast 554 "Email rejected due to security policies" (virus or spam signature)',
      answer(
        'a@example.com',
        'us-smtp-inbound-2.mimecast.com',
        '554',
        '554 Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554',
      ),
      'virusdetected',
    ],
    [
      'Mimecast 550 anti-spoofing policy',
      answer(
        'a@example.com',
        'eu-smtp-inbound-1.mimecast.com',
        '550',
        '550 Rejected by header-based Anti-Spoofing policy',
      ),
      'policyviolation',
    ],
    [
      'Mimecast phrase with the wrong reply code decides nothing',
      answer('a@example.com', 'eu-smtp-inbound-1.mimecast.com', '554', '554 Invalid Recipient'),
      null,
    ],
    [
      'Cloudflare Email Routing: sender on a DNSBL',
      answer(
        'a@example.com',
        'route1.mx.cloudflare.net',
        '550',
        '550 5.7.1 Sender IP found on one or more DNSBLs',
      ),
      'blocked',
    ],
    [
      'Exchange Online host on exchangelabs.com: 5.7.133 is a refusal to a group',
      {
        ...answer(
          'a@example.com',
          'AM0PR01MB0001.eurprd01.prod.exchangelabs.com',
          '550',
          '550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup',
        ),
        status: '5.7.133',
      },
      'rejected',
    ],
    [
      'a host no rule knows decides nothing',
      answer('a@example.com', 'mx.example.com', '550', '550 IB212 spam'),
      null,
    ],
  ])('%s', (_situation, r, reason) => {
    expect(remoteHostReason(r, null)).toBe(reason);
  });
});
