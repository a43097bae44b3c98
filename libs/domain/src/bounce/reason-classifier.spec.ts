import { describe, expect, it } from 'vitest';

import type { BounceReason } from './bounce-verdict';
import { classifyReason, findCommand, type ReasonEvidence } from './reason-classifier';

const evidence = (fields: Partial<ReasonEvidence>): ReasonEvidence => ({
  status: null,
  replyCode: null,
  diagnostic: null,
  diagnosticType: 'SMTP',
  ...fields,
});

describe('classifyReason', () => {
  it.each<[string, Partial<ReasonEvidence>, BounceReason]>([
    [
      '5.1.1 with "user unknown" at RCPT',
      {
        status: '5.1.1',
        replyCode: '550',
        diagnostic: '550 5.1.1 <a@b.example>: User unknown',
        command: 'RCPT',
      },
      'userunknown',
    ],
    [
      '4.1.1 at RCPT is still an unknown user (the reason decides, not the class)',
      { status: '4.1.1', diagnostic: '450 4.1.1 no such user', command: 'RCPT' },
      'userunknown',
    ],
    [
      '5.2.1 "User Unknown" refused after DATA is a filter, not an unknown user',
      { status: '5.2.1', diagnostic: '550 5.2.1 <a@b.example>... User Unknown', command: 'DATA' },
      'filtered',
    ],
    [
      '5.2.1 "User Unknown" at RCPT is an unknown user',
      { status: '5.2.1', diagnostic: '550 5.2.1 <a@b.example>... User Unknown', command: 'RCPT' },
      'userunknown',
    ],
    ['mailbox full by code', { status: '5.2.2', diagnostic: '552 5.2.2 over the limit' }, 'mailboxfull'],
    [
      'mailbox full by words under a vague code',
      { status: '5.0.0', diagnostic: '550 Mailbox quota exceeded for this user' },
      'mailboxfull',
    ],
    [
      'domain without mail host',
      { status: '5.1.2', diagnostic: 'Host or domain name not found' },
      'hostunknown',
    ],
    [
      'DNS failure under 5.4.4 is a network error, not an unknown host',
      { status: '5.4.4', diagnostic: 'Malformed or unexpected name server reply' },
      'networkerror',
    ],
    [
      'relay refused',
      { status: '5.7.1', diagnostic: '554 5.7.1 Relay access denied', command: 'RCPT' },
      'norelaying',
    ],
    [
      'blocklisted client',
      {
        status: '5.7.1',
        diagnostic: '554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org',
      },
      'blocked',
    ],
    [
      'spam filter after DATA',
      {
        status: '5.7.1',
        diagnostic: '550 5.7.1 Message rejected as spam by content filtering',
        command: 'DATA',
      },
      'spamdetected',
    ],
    ['rate limit', { status: '4.7.1', diagnostic: '451 4.7.1 Please try again slower' }, 'speeding'],
    [
      'missing PTR',
      {
        status: '5.7.25',
        diagnostic: '550 5.7.25 The IP address sending this message does not have a PTR record setup',
      },
      'requireptr',
    ],
    [
      'DMARC/SPF failure',
      { status: '5.7.26', diagnostic: 'unauthenticated email is not accepted' },
      'authfailure',
    ],
    [
      'message too big',
      { status: '5.3.4', diagnostic: '552 5.3.4 Message size exceeds fixed limit' },
      'mesgtoobig',
    ],
    [
      'account suspended (525)',
      { replyCode: '525', status: '5.7.13', diagnostic: '525 5.7.13 account disabled' },
      'suspend',
    ],
    ['null MX', { status: '5.1.10', diagnostic: '556 5.1.10 Recipient address has null MX' }, 'notaccept'],
    [
      'mailbox has moved',
      { status: '5.1.6', diagnostic: '550 5.1.6 Destination mailbox has moved' },
      'hasmoved',
    ],
    [
      'sender refused at MAIL FROM',
      { status: '5.1.8', diagnostic: '553 5.1.8 Domain of sender address does not exist', command: 'MAIL' },
      'rejected',
    ],
    [
      'virus',
      {
        status: '5.7.0',
        diagnostic: '554 5.7.0 Virus detected in attachment',
        diagnosticType: 'SMTP',
        command: 'DATA',
      },
      'virusdetected',
    ],
    [
      'queue timeout with Action: delayed',
      { status: '4.4.7', diagnostic: null, action: 'delayed' },
      'expired',
    ],
    [
      'pipe to a program failed (X-UNIX)',
      { status: '5.3.0', diagnostic: 'Command died with status 1', diagnosticType: 'X-UNIX' },
      'mailererror',
    ],
    [
      '5.7.x nothing else known',
      { status: '5.7.99', diagnostic: 'unknown policy', diagnosticType: 'X-OTHER' },
      'securityerror',
    ],
    ['success DSN', { status: '2.1.5', diagnostic: '250 2.1.5 Ok' }, 'delivered'],
    ['text that names nothing', { status: null, diagnostic: 'something went wrong' }, 'onhold'],
    ['no evidence at all', { status: null, diagnostic: null }, 'undefined'],
    [
      'a decoder that knows its format wins over the tables',
      {
        status: '5.0.0',
        diagnostic: 'Unable to contact LDAP server',
        presetReason: 'systemerror',
        diagnosticType: '',
      },
      'systemerror',
    ],
  ])('%s', (_situation, fields, expected) => {
    expect(classifyReason(evidence(fields))).toBe(expected);
  });
});

describe('findCommand', () => {
  it.each([
    ['Postfix RCPT', 'User unknown (in reply to RCPT TO command)', 'RCPT'],
    ['Postfix end of DATA', 'Spam detected (in reply to end of DATA command)', 'DATA'],
    ['Exim MAIL FROM', 'SMTP error from remote mail server after MAIL FROM:<a@b.example>', 'MAIL'],
    ['Exim initial connection', 'SMTP error from remote mail server after initial connection:', 'CONN'],
    ['no command named', '550 5.1.1 no such user', null],
  ])('%s', (_situation, text, expected) => {
    expect(findCommand(text)).toBe(expected);
  });
});
