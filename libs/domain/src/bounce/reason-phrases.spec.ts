import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { classifyReason, type ReasonEvidence } from './reason-classifier';

/** The evidence a DSN or text bounce gives for one recipient; SMTP diagnostic type unless said. */
const said = (
  diagnostic: string | null,
  status: string | null = null,
  command: string | null = null,
  extra: Partial<ReasonEvidence> = {},
): ReasonEvidence => ({
  status,
  replyCode: /^([245]\d\d)\b/.exec(diagnostic ?? '')?.[1] ?? null,
  diagnostic,
  diagnosticType: 'SMTP',
  command,
  ...extra,
});

describe('classifyReason: common wording of real servers (Sisimai tables)', () => {
  it.each<[string, ReasonEvidence, BounceReason]>([
    ['"mailbox is full" under a vague 5.0.0', said('552 5.0.0 Mailbox is full', '5.0.0'), 'mailboxfull'],
    ['"over quota" without a code', said('552 User is over quota'), 'mailboxfull'],
    [
      '"quota exceeded" from Dovecot LMTP',
      said('552 5.2.2 Quota exceeded (mailbox for user is full)'),
      'mailboxfull',
    ],
    [
      'Postfix "maildir quota" from local delivery',
      said('maildir delivery failed: maildir quota exceeded'),
      'mailboxfull',
    ],
    ['"no such user" at RCPT', said('550 no such user here', null, 'RCPT'), 'userunknown'],
    ['"user unknown" under 5.1.1', said('550 5.1.1 <a@example.com>... User unknown', '5.1.1'), 'userunknown'],
    [
      'Postfix virtual mailbox table at RCPT',
      said(
        '550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in virtual mailbox table',
        '5.1.1',
        'RCPT',
      ),
      'userunknown',
    ],
    [
      '"does not exist." at RCPT',
      said('550 Mailbox a@example.com does not exist.', null, 'RCPT'),
      'userunknown',
    ],
    [
      '"invalid recipient" at RCPT',
      said('550 Invalid recipient <a@example.com>', null, 'RCPT'),
      'userunknown',
    ],
    ['"unknown user" at RCPT', said('550 unknown user', null, 'RCPT'), 'userunknown'],
    [
      'Gmail "account that you tried to reach does not exist"',
      said(
        '550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking',
        '5.1.1',
      ),
      'userunknown',
    ],
    [
      '"user unknown" after DATA is a content filter (no RCPT refusal)',
      said('550 User unknown', null, 'DATA'),
      'filtered',
    ],
    [
      'host not found by name',
      said('Host or domain name not found. Name service error for name=nowhere.example'),
      'hostunknown',
    ],
    [
      '5.1.2 alone is an unknown host',
      said('550 5.1.2 bad destination system address', '5.1.2'),
      'hostunknown',
    ],
    ['Exim unrouteable address', said('Unrouteable address'), 'hostunknown'],
    [
      'RBL listing by Spamhaus',
      said('554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', '5.7.1'),
      'blocked',
    ],
    ['Barracuda block', said('554 Email blocked by b.barracudacentral.org'), 'blocked'],
    [
      'spam score from a filter after DATA',
      said('550 5.7.1 spam score 12.3 exceeded threshold', '5.7.1', 'DATA'),
      'spamdetected',
    ],
    ['message looks like spam', said('554 5.7.1 Message looks like spam', '5.7.1', 'DATA'), 'spamdetected'],
    [
      'organisation policy',
      said('550 5.7.1 Message rejected due to local policy', '5.7.1', 'DATA'),
      'policyviolation',
    ],
    ['queue lifetime reached', said('Delivery expired (message too old)'), 'expired'],
    ['Sendmail "giving up on"', said('Deferred: giving up on mx.example.com'), 'expired'],
    ['too many connections', said('421 4.7.0 Too many connections from your IP', '4.7.0'), 'toomanyconn'],
    ['suspended account', said('550 5.2.1 This account has been temporarily suspended', '5.2.1'), 'suspend'],
    ['disabled mailbox', said('550 Mailbox disabled for this recipient'), 'suspend'],
    ['null MX', said('556 5.1.10 Recipient address has null MX', '5.1.10'), 'notaccept'],
    [
      'relay access denied',
      said('554 5.7.1 <a@example.com>: Relay access denied', '5.7.1', 'RCPT'),
      'norelaying',
    ],
    ['virus found', said('554 5.7.0 Virus detected in the message', null, 'DATA'), 'virusdetected'],
    [
      'message larger than the server allows',
      said('552 5.3.4 Message size exceeds fixed limit', '5.3.4'),
      'mesgtoobig',
    ],
    ['header size over the limit', said('552 Message header size exceeds limit'), 'exceedlimit'],
    ['sender verification failed', said('550 Sender verify failed', null, 'MAIL'), 'rejected'],
    ['unknown command (501)', said('501 Syntax error in parameters or arguments'), 'syntaxerror'],
    ['remote configuration fault', said('451 Local configuration error'), 'systemerror'],
    ['routing loop', said('554 5.4.6 Hop count exceeded - possible mail loop'), 'networkerror'],
    ['system storage by code 4.3.1', said('452 4.3.1 Insufficient system storage', '4.3.1'), 'systemfull'],
  ])('%s', (_situation, evidence, reason) => {
    expect(classifyReason(evidence)).toBe(reason);
  });
});

describe('classifyReason: everyday wording Sisimai does not list (only where it would say onhold)', () => {
  it.each<[string, ReasonEvidence, BounceReason]>([
    ['"insufficient system storage" without a code', said('452 Insufficient system storage'), 'systemfull'],
    ['"inbox is full" without a code', said('550 Recipient inbox is full'), 'mailboxfull'],
    ['"exceeds quota" without a code', said('552 Message exceeds quota for this user'), 'mailboxfull'],
    ['"mailbox unavailable" in reply to RCPT', said('550 Mailbox unavailable', null, 'RCPT'), 'userunknown'],
    [
      '"mailbox unavailable" with no command may be a filter after DATA (soft, as Sisimai does)',
      said('550 Mailbox unavailable'),
      'filtered',
    ],
    [
      '"unknown or illegal alias" (Messaging Server) at RCPT',
      said('550 unknown or illegal alias: a@example.com', null, 'RCPT'),
      'userunknown',
    ],
    [
      'German "Adresse nicht gefunden" (newer Sisimai wording) at RCPT',
      said(
        '550 Die Nachricht wurde nicht zugestellt, weil die Adresse nicht gefunden wurde oder keine E-Mails empfangen kann',
        null,
        'RCPT',
      ),
      'userunknown',
    ],
    ['"addressee unknown" at RCPT', said('550 Addressee unknown', null, 'RCPT'), 'userunknown'],
    ['"no MX record" for the domain', said('550 No MX record for domain nowhere.example'), 'hostunknown'],
    ['NXDOMAIN for the domain', said('NXDOMAIN: nowhere.example'), 'hostunknown'],
    ['"relay not allowed"', said('550 Relay not allowed'), 'norelaying'],
    ['prohibited attachment', said('552 Prohibited attachment type'), 'policyviolation'],
    ['"listed in" a DNS block list', said('550 Your server is listed in bl.example.net'), 'blocked'],
    ['poor sender reputation', said('550 Poor reputation of the sending server'), 'badreputation'],
    ['"unsolicited" content', said('550 Content considered unsolicited'), 'spamdetected'],
    ['rate limited sender', said('450 Rate limit reached for this sender'), 'speeding'],
    ['"must authenticate" before sending', said('530 You must authenticate first'), 'securityerror'],
    ['STARTTLS required', said('530 Must issue a STARTTLS command first'), 'failedstarttls'],
    ['domain takes no mail', said('556 Domain does not accept mail'), 'notaccept'],
    ['"sender address rejected"', said('553 Sender address rejected: not owned by user'), 'rejected'],
    ['session timeout', said('Read timeout while talking to mx.example.com'), 'expired'],
    [
      'connection refused by the server',
      said('connect to mx.example.com: Connection refused'),
      'networkerror',
    ],
    ['"command unrecognized"', said('500 Command unrecognized'), 'syntaxerror'],
    ['"internal error" at the remote end', said('451 Internal error, please retry'), 'systemerror'],
    ['account disabled by its owner', said('550 Account disabled'), 'suspend'],
    ['malware found', said('554 Malware found in attachment'), 'virusdetected'],
    ['message too large (no code)', said('552 Message is too large'), 'mesgtoobig'],
  ])('%s', (_situation, evidence, reason) => {
    expect(classifyReason(evidence)).toBe(reason);
  });
});

describe('classifyReason: status code alone (no text)', () => {
  it.each<[string, string, BounceReason]>([
    ['5.1.1 bad destination mailbox', '5.1.1', 'userunknown'],
    ['5.1.2 bad destination system', '5.1.2', 'hostunknown'],
    ['5.1.6 mailbox has moved', '5.1.6', 'hasmoved'],
    ['5.1.10 null MX', '5.1.10', 'notaccept'],
    ['5.2.1 mailbox disabled', '5.2.1', 'filtered'],
    ['5.2.2 mailbox full', '5.2.2', 'mailboxfull'],
    ['4.2.2 mailbox full (temporary)', '4.2.2', 'mailboxfull'],
    ['5.2.3 per-mailbox size limit', '5.2.3', 'exceedlimit'],
    ['5.3.1 mail system full', '5.3.1', 'systemfull'],
    ['5.3.4 message too big', '5.3.4', 'mesgtoobig'],
    ['4.4.1 no answer from host', '4.4.1', 'expired'],
    ['4.4.7 delivery time expired', '4.4.7', 'expired'],
    ['5.4.7 delivery time expired (permanent form)', '5.4.7', 'expired'],
    ['5.4.4 unable to route', '5.4.4', 'hostunknown'],
    ['5.5.3 too many recipients', '5.5.3', 'toomanyconn'],
    ['5.6.0 media error', '5.6.0', 'contenterror'],
    ['5.7.1 delivery not authorised', '5.7.1', 'securityerror'],
    ['4.7.1 temporarily refused', '4.7.1', 'blocked'],
    ['5.7.13 user account disabled', '5.7.13', 'suspend'],
    ['5.7.23 SPF failed', '5.7.23', 'authfailure'],
    ['5.7.25 reverse DNS failed', '5.7.25', 'requireptr'],
  ])('%s', (_situation, status, reason) => {
    expect(classifyReason(said(null, status))).toBe(reason);
  });
});
