import { describe, expect, it } from 'vitest';

import { detectLoopRisk, LOOP_HEADER, type LoopGuardMessage, type MachineMailKind } from './loop-guard';
import type { MailHeader } from './mail-header';

const context = {
  ownMessageIdDomain: 'twe.example.com',
  ownAddresses: ['support@helpdesk.example.com', 'Sales <sales@helpdesk.example.com>'],
};

function message(headers: MailHeader[], overrides: Partial<LoopGuardMessage> = {}): LoopGuardMessage {
  return {
    headers,
    fromAddress: 'alice@example.com',
    messageId: '<m1@mail.example.com>',
    ...overrides,
  };
}

const h = (key: string, value: string): MailHeader => ({ key, value });

describe('detectLoopRisk', () => {
  it.each<[string, LoopGuardMessage, MachineMailKind[], string[]]>([
    [
      'RFC 3834 out-of-office (Auto-Submitted: auto-replied)',
      message([h('Auto-Submitted', 'auto-replied')]),
      ['auto-reply'],
      ['Auto-Submitted: auto-replied'],
    ],
    [
      'Exchange out-of-office: X-Auto-Response-Suppress is not evidence, Auto-Submitted is',
      message([h('X-Auto-Response-Suppress', 'All'), h('Auto-Submitted', 'auto-generated')]),
      ['auto-reply'],
      ['Auto-Submitted: auto-generated'],
    ],
    [
      'old vacation program (Precedence: auto_reply)',
      message([h('Precedence', 'auto_reply')]),
      ['auto-reply'],
      ['Precedence: auto_reply'],
    ],
    [
      'spam filter (Precedence: junk)',
      message([h('Precedence', 'junk')]),
      ['auto-reply'],
      ['Precedence: junk'],
    ],
    ['newsletter (Precedence: bulk)', message([h('Precedence', 'bulk')]), ['list'], ['Precedence: bulk']],
    ['mailing list (Precedence: list)', message([h('Precedence', 'list')]), ['list'], ['Precedence: list']],
    ['responder (X-Autoreply)', message([h('X-Autoreply', 'yes')]), ['auto-reply'], ['X-Autoreply: yes']],
    ['responder (X-Autorespond)', message([h('X-Autorespond', '1')]), ['auto-reply'], ['X-Autorespond: 1']],
    [
      'mailing list (List-Id)',
      message([h('List-Id', '<users.lists.example.org>')]),
      ['list'],
      ['List-Id: <users.lists.example.org>'],
    ],
    [
      'newsletter with only List-Unsubscribe',
      message([h('List-Unsubscribe', '<mailto:leave@news.example.org>')]),
      ['list'],
      ['List-Unsubscribe: <mailto:leave@news.example.org>'],
    ],
    ['null sender (Return-Path: <>)', message([h('Return-Path', '<>')]), ['bounce'], ['Return-Path: <>']],
    [
      'MAILER-DAEMON sender without any header',
      message([], { fromAddress: 'MAILER-DAEMON@mx.example.net' }),
      ['bounce'],
      ['From: mailer-daemon@mx.example.net'],
    ],
    [
      'DSN bounce (multipart/report)',
      message([h('Content-Type', 'multipart/report; report-type=delivery-status;\r\n boundary="b"')], {
        fromAddress: 'postmaster@mx.example.net',
      }),
      ['bounce'],
      ['Content-Type: multipart/report; report-type=delivery-status; boundary="b"'],
    ],
    [
      'our own notification coming back (Message-ID on our domain)',
      message([], { messageId: '<5f1c-uuid@TWE.example.com>' }),
      ['own-mail'],
      ['Message-ID: <5f1c-uuid@TWE.example.com>'],
    ],
    [
      'our own notification forwarded by an alias (loop header kept)',
      message([h(LOOP_HEADER, 'twe.example.com')]),
      ['own-mail'],
      ['X-TWE-Loop: twe.example.com'],
    ],
    [
      'mail from one of our ticket type addresses',
      message([], { fromAddress: 'Sales@Helpdesk.Example.com' }),
      ['own-mail'],
      ['From: sales@helpdesk.example.com (a ticket type address)'],
    ],
    [
      'out-of-office of another helpdesk: several kinds at once',
      message([h('Auto-Submitted', 'auto-replied'), h('Return-Path', '<>'), h('List-Id', 'desk')]),
      ['auto-reply', 'list', 'bounce'],
      ['Auto-Submitted: auto-replied', 'List-Id: desk', 'Return-Path: <>'],
    ],
  ])('%s', (_situation, input, kinds, reasons) => {
    expect(detectLoopRisk(input, context)).toEqual({ machine: true, kinds, reasons });
  });

  it.each<[string, LoopGuardMessage]>([
    [
      'ordinary customer mail',
      message([h('From', 'alice@example.com'), h('To', 'support@helpdesk.example.com')]),
    ],
    ['Outlook human mail with X-Auto-Response-Suppress', message([h('X-Auto-Response-Suppress', 'All')])],
    ['Auto-Submitted: no (explicitly human)', message([h('Auto-Submitted', 'no')])],
    ['Precedence: first-class is not automatic', message([h('Precedence', 'first-class')])],
    ['a stranger copying our loop header with another value', message([h(LOOP_HEADER, 'evil.example.org')])],
    [
      'a Message-ID on a sub-domain of ours is not ours',
      message([], { messageId: '<x@mail.twe.example.com>' }),
    ],
    ['subject text alone says nothing', message([h('Subject', 'Automatic reply: out of office')])],
    ['a person called daemon', message([], { fromAddress: 'daemon@example.com' })],
    ['multipart/mixed is not a report', message([h('Content-Type', 'multipart/mixed; boundary=x')])],
    ['no sender, no Message-ID', message([], { fromAddress: null, messageId: null })],
  ])('human: %s', (_situation, input) => {
    expect(detectLoopRisk(input, context)).toEqual({ machine: false, kinds: [], reasons: [] });
  });
});
